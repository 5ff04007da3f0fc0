// Roster uploads: drop a file onto the zone (it is read at once; nothing is written before the
// supervisor confirms), and watch a running import's progress live. Without this file the
// form still uploads and the running page reloads itself.
(function () {
  "use strict";

  var zone = document.querySelector("[data-dropzone]");
  if (zone) {
    var form = zone.closest("form");
    var input = zone.querySelector("[data-file]");
    var label = zone.querySelector("[data-file-name]");
    zone.classList.add("js");
    function chosen() {
      if (!input.files.length) return;
      label.textContent = input.files[0].name;
      label.hidden = false;
      form.requestSubmit();
    }
    input.addEventListener("change", chosen);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      chosen();
    });
  }

  var card = document.querySelector("[data-import]");
  if (!card || ["queued", "running"].indexOf(card.dataset.state) < 0) return;
  var bar = card.querySelector("[data-progress]");
  var text = card.querySelector("[data-progress-text]");
  var template = text.dataset.template;
  function poll() {
    fetch(card.dataset.import, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 2000); return; }
        bar.max = job.rows_total || 1;
        bar.value = job.rows_done;
        text.textContent = template.replace("{done}", job.rows_done).replace("{total}", job.rows_total);
        ["added", "updated", "unchanged", "leads_updated"].forEach(function (name) {
          var box = card.querySelector('[data-count="' + name + '"]');
          if (box) box.textContent = job[name];
        });
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 400);
})();
