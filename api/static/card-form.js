// The card form's helpers: more rows for repeatable fields, live checks as the user leaves a field,
// and ESCO search-as-you-type. Everything works without this script too (save, check on submit, type IRIs).
(function () {
  "use strict";
  var form = document.querySelector("form.card-form[data-check]");
  if (!form) { return; }

  function clearRow(row) {
    row.querySelectorAll("input, textarea, select").forEach(function (input) {
      if (input.tagName === "SELECT") { input.selectedIndex = 0; } else { input.value = ""; }
      input.removeAttribute("aria-invalid");
    });
  }

  function addRow(column) {
    var holder = form.querySelector('[data-repeat="' + column + '"]');
    if (!holder) { return null; }
    var rows = holder.querySelectorAll(".row");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    var n = rows.length;
    row.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace(/-\d+$/, "-" + n); });
    row.querySelectorAll("[aria-label]").forEach(function (el) {
      el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/\d+$/, String(n + 1)));
    });
    var number = row.querySelector("th[scope=row]");
    if (number) { number.textContent = String(n + 1); }
    clearRow(row);
    holder.appendChild(row);
    return row;
  }

  form.querySelectorAll("button.add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = addRow(button.getAttribute("data-for"));
      var first = row && row.querySelector("input, textarea, select");
      if (first) { first.focus(); }
    });
  });

  // Live checks: the server's checks (the same as at submission) on the form as it is; nothing is saved.
  // Only the fields the user has left are updated (a fresh form is not covered in messages at once).
  var pending = null;
  var touched = {};
  function fieldOf(element) {
    var holder = element.closest("[data-field]");
    return holder ? holder.getAttribute("data-field") : null;
  }
  function showProblems(result) {
    form.querySelectorAll("ul.field-problems").forEach(function (list) {
      var column = list.id.replace(/-problems$/, "");
      if (!touched[column]) { return; }
      var found = result.fields[column] || [];
      list.textContent = "";
      found.forEach(function (problem) {
        var item = document.createElement("li");
        item.className = problem.severity.toLowerCase();
        var text = document.createElement("bdi");
        text.textContent = problem.text;
        if (problem.lang) { text.lang = problem.lang; }
        item.appendChild(text);
        list.appendChild(item);
      });
      var invalid = found.some(function (p) { return p.severity === "Violation"; });
      form.querySelectorAll('[name="' + column + '"]').forEach(function (input) {
        if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      });
    });
  }
  function check() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-check"), {
      method: "POST", body: new FormData(form), credentials: "same-origin", signal: pending.signal,
      headers: { "Accept": "application/json" }
    }).then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (result) { if (result) { showProblems(result); } })
      .catch(function () { /* a check overtaken by the next one, or the network: the submit checks again */ });
  }
  function left(event) {
    var column = fieldOf(event.target);
    if (!column || !event.target.name) { return; }
    touched[column] = true;
    if (column === "acquis_fr") { touched.acquis_en = true; }
    if (column === "acquis_en") { touched.acquis_fr = true; }
    check();
  }
  form.addEventListener("change", left);
  form.addEventListener("focusout", function (event) {
    if (event.target.matches("input, textarea")) { left(event); }
  });

  // ESCO search-as-you-type: a result picked fills an empty row (or a new one) with the concept's address.
  form.querySelectorAll(".concept-search").forEach(function (box) {
    var input = box.querySelector("input[type=search]");
    var results = box.querySelector(".results");
    var column = box.getAttribute("data-for");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        results.textContent = "";
        if (!q) { return; }
        var url = "/api/esco/search?kind=" + encodeURIComponent(box.getAttribute("data-kind")) +
          "&q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(form.getAttribute("data-lang"));
        fetch(url, { headers: { "Accept": "application/json" } })
          .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
          .then(function (found) {
            results.textContent = "";
            found.items.forEach(function (item) {
              var li = document.createElement("li");
              li.setAttribute("role", "option");
              var pick = document.createElement("button");
              pick.type = "button";
              pick.className = "pick";
              pick.textContent = item.label;
              if (item.lang) { pick.lang = item.lang; }
              pick.addEventListener("click", function () {
                var holder = form.querySelector('[data-repeat="' + column + '"]');
                var empty = Array.prototype.find.call(holder.querySelectorAll("input"), function (i) { return !i.value; });
                var target = empty || addRow(column).querySelector("input");
                target.value = item.iri;
                target.title = item.label;
                touched[column] = true;
                results.textContent = "";
                input.value = "";
                check();
                target.focus();
              });
              li.appendChild(pick);
              results.appendChild(li);
            });
          });
      }, 200);
    });
  });
})();
