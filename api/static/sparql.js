document.querySelectorAll('button[data-query]').forEach(function (b) {
  b.addEventListener('click', function () {
    var area = document.getElementById('query');
    area.value = b.getAttribute('data-query');
    area.focus();
  });
});
