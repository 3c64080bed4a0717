// The SPARQL page with JavaScript: YASGUI (vendored in /static/vendor/yasgui) takes the place of the plain form,
// on this endpoint only, starting from the form's query. Our IRIs in its results link to their pages here
// (/id/...), and a result cut at the endpoint's limit (header X-CNC-Results-Truncated) says so above it.
// Without JavaScript, or if YASGUI cannot start, the plain form and the server's HTML table stay.
(function () {
  var area = document.getElementById('query');
  var box = document.getElementById('editor');
  var note = document.getElementById('truncated-note');
  function useForm() {
    document.querySelectorAll('button[data-query]').forEach(function (b) {
      b.addEventListener('click', function () { area.value = b.getAttribute('data-query'); area.focus(); });
    });
  }
  if (!box || !window.Yasgui) { useForm(); return; }

  var endpoint = new URL(box.getAttribute('data-endpoint'), window.location.href).href;
  var base = box.getAttribute('data-base');
  var yasgui;
  try {
    box.hidden = false;
    yasgui = new window.Yasgui(box, {
      requestConfig: { endpoint: endpoint, method: 'POST' },
      copyEndpointOnNewTab: true,
      persistenceId: null,          // the page's URL carries the query; nothing stale from an earlier visit
      populateFromUrl: false,
      autofocus: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      yasr: { prefixes: {} }
    });
  } catch (e) {
    box.hidden = true;
    useForm();
    return;
  }
  document.querySelector('form.plain').hidden = true;

  // YASGUI's own markup lacks a few names and roles that screen readers need; give them here, each time it
  // draws (the names are in English like the rest of the editor).
  function named(selector, name) {
    box.querySelectorAll(selector).forEach(function (el) {
      if (!el.hasAttribute('aria-label')) { el.setAttribute('aria-label', name); }
    });
  }
  function repair() {
    named('.CodeMirror textarea', 'SPARQL query');
    named('input.autocomplete', 'SPARQL endpoint');
    named('.tab input[type=text]', 'Tab name');
    named('select.tableSizer', 'Rows per page');
    named('.dataTables_filter input, input.tableFilter', 'Filter the results');
    box.querySelectorAll('.CodeMirror-scroll').forEach(function (el) { el.setAttribute('tabindex', '0'); });
    box.querySelectorAll('.tabsList').forEach(function (list) {
      var add = list.querySelector('.addTab');
      if (add && add.parentNode.parentNode === list) { list.parentNode.insertBefore(add.parentNode, list.nextSibling); }
    });
  }
  repair();
  new MutationObserver(repair).observe(box, { childList: true, subtree: true });

  function tab() { return yasgui.getTab(); }
  function localise(root) {
    root.querySelectorAll('a[href^="' + base + '"]').forEach(function (a) {
      a.setAttribute('href', '/id/' + a.getAttribute('href').slice(base.length));
      a.removeAttribute('target');
    });
  }
  function watch(t) {
    if (t.cncWatched) { return; }
    t.cncWatched = true;
    t.getYasqe().on('queryResponse', function (_yasqe, response) {
      var cut = response && response.headers && response.headers.get &&
        response.headers.get('X-CNC-Results-Truncated') === 'true';
      note.hidden = !cut;
    });
    new MutationObserver(function () { localise(t.getYasr().rootEl); })
      .observe(t.getYasr().rootEl, { childList: true, subtree: true });
  }
  tab().setQuery(area.value);
  watch(tab());
  yasgui.on('tabChange', function (_y, t) { watch(t); });
  yasgui.on('tabSelect', function () { watch(tab()); });
  yasgui.on('query', function (_y, t) { watch(t); note.hidden = true; });

  // The examples open in the editor; the server's table of a query sent without JavaScript gives way to it.
  document.querySelectorAll('button[data-query]').forEach(function (b) {
    b.addEventListener('click', function () {
      tab().setQuery(b.getAttribute('data-query'));
      box.scrollIntoView();
      tab().getYasqe().focus();
    });
  });
  var server = document.getElementById('server-results');
  if (box.getAttribute('data-run') === 'true') {
    server.hidden = true;
    tab().query();
  }
})();
