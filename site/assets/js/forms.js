/* Renewal and referral forms with JavaScript: send JSON, show the API's field errors next to
   their fields, keep everything typed when the network or the server fails, never send twice.
   Without JavaScript the same forms post directly and the API answers with a 303 redirect. */
(function () {
  "use strict";
  var source = document.getElementById("rd-form-messages");
  if (!source) { return; }
  var messages = JSON.parse(source.textContent);
  var TIMEOUT_MS = 20000;

  function payload(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) { return; }
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return data;
  }

  function setBusy(form, busy) {
    var button = form.querySelector("[data-rd-submit]");
    if (busy) {
      form.setAttribute("aria-busy", "true");
      button.setAttribute("data-label", button.textContent);
      button.textContent = button.getAttribute("data-sending");
    } else if (form.getAttribute("aria-busy") === "true") {
      form.removeAttribute("aria-busy");
      button.textContent = button.getAttribute("data-label");
    }
    button.disabled = busy;
    form.querySelector("[data-rd-retry]").disabled = busy;
  }

  function showStatus(form, text, canRetry) {
    var status = form.querySelector("[data-rd-status]");
    status.querySelector("[data-rd-status-text]").textContent = text;
    status.querySelector("[data-rd-retry]").hidden = !canRetry;
    status.hidden = false;
    status.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function clearField(wrapper) {
    wrapper.classList.remove("rd-field--invalid");
    var error = wrapper.querySelector(".rd-field__error");
    error.textContent = "";
    error.hidden = true;
    Array.prototype.forEach.call(wrapper.querySelectorAll("input, select, textarea"), function (el) {
      el.removeAttribute("aria-invalid");
    });
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".rd-field"), clearField);
    var summary = form.querySelector("[data-rd-summary]");
    summary.textContent = "";
    summary.hidden = true;
    form.querySelector("[data-rd-status]").hidden = true;
  }

  function showFieldErrors(form, fields) {
    var names = Object.keys(fields);
    var elsewhere = [];
    names.forEach(function (name) {
      var wrapper = form.querySelector('.rd-field[data-field="' + name + '"]');
      if (!wrapper) { elsewhere.push(fields[name].message); return; }
      wrapper.classList.add("rd-field--invalid");
      var error = wrapper.querySelector(".rd-field__error");
      error.textContent = fields[name].message;
      error.hidden = false;
      wrapper.querySelector("input, select, textarea").setAttribute("aria-invalid", "true");
    });
    // The first wrong field from the top of the form, whatever order the API listed them in.
    var first = form.querySelector("[aria-invalid=true]");
    var summary = form.querySelector("[data-rd-summary]");
    summary.textContent = [messages["site.form.fix_fields"].replace("{count}", names.length)]
      .concat(elsewhere).join(" ");
    summary.hidden = false;
    (first || summary).focus({ preventScroll: false });
    if (!first) { summary.scrollIntoView({ block: "center" }); }
  }

  function handle(form, response, body) {
    if ((response.status === 201 || response.status === 200) && body.lead_id) {
      // Stay busy: the page is leaving for the thank-you page.
      var query = "?lead=" + encodeURIComponent(body.lead_id) + (body.duplicate ? "&duplicate=1" : "");
      location.assign(form.getAttribute("data-thanks") + query);
      return;
    }
    setBusy(form, false);
    if (response.status === 400 && body.error === "invalid" && body.fields) {
      showFieldErrors(form, body.fields);
    } else if (response.status === 429) {
      var wait = parseInt(response.headers.get("Retry-After"), 10);
      var text = body.message || messages["site.form.unexpected"];
      if (wait > 0 && wait <= 3600) { text += " " + messages["site.form.retry_in"].replace("{seconds}", wait); }
      showStatus(form, text, true);
    } else if (response.status >= 500) {
      showStatus(form, body.message || messages["site.form.unexpected"], true);
    } else {
      showStatus(form, body.message || messages["site.form.unexpected"], false);
    }
  }

  function send(form) {
    if (form.getAttribute("aria-busy") === "true") { return; }
    clearErrors(form);
    setBusy(form, true);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch(form.action, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": document.documentElement.lang || "zh"
      },
      body: JSON.stringify(payload(form)),
      credentials: "omit",
      signal: controller.signal
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        handle(form, response, body);
      });
    }).catch(function () {
      setBusy(form, false);
      showStatus(form, messages["site.form.network"], true);
    }).then(function () { clearTimeout(timer); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-rd-form]"), function (form) {
    // The API's messages (in Chinese, next to each field) replace the browser's own bubbles.
    form.noValidate = true;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
    form.querySelector("[data-rd-retry]").addEventListener("click", function () { send(form); });
    form.addEventListener("input", function (event) {
      var wrapper = event.target.closest(".rd-field");
      if (wrapper && wrapper.classList.contains("rd-field--invalid")) { clearField(wrapper); }
    });
  });
})();
