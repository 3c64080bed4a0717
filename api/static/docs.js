// Starts the API documentation viewer named by #api-docs (Swagger UI or ReDoc) on our OpenAPI description.
(function () {
  var box = document.getElementById('api-docs');
  if (!box) { return; }
  var spec = box.getAttribute('data-spec');
  if (box.getAttribute('data-viewer') === 'swagger' && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: spec,
      domNode: box,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      deepLinking: true,
      validatorUrl: null  // the default sends the description to validator.swagger.io
    });
  } else if (window.Redoc) {
    window.Redoc.init(spec, {}, box);
  }
})();
