/* Renewal and referral forms with JavaScript: send JSON, show the API's field errors next to
   their fields, keep everything typed when the network or the server fails, never send twice.
   Without JavaScript the same forms post directly and the API answers with a 303 redirect. */
(function () {
  "use strict";
  var source = document.getElementById("rd-form-messages");
  if (!source) { return; }
  var messages = JSON.parse(source.textContent);
  var TIMEOUT_MS = 20000;
  // Typed identifiers: full-width digits and letters from Chinese input methods count as ASCII
  // (the API folds them too; names and notes keep what the customer typed).
  var FOLDED = { phone: true, plate: true, code: true, expiry_date: true };

  function fold(text) {
    return String(text).replace(/[\uff01-\uff5e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(/\u3000/g, " ");
  }

  function payload(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) { return; }
      data[el.name] = el.type === "checkbox" ? el.checked : FOLDED[el.name] ? fold(el.value) : el.value;
    });
    return data;
  }

  /* When a limited customer may try again, in the store's time (UTC+8). */
  function retryText(seconds) {
    if (seconds <= 3600) {
      return messages["site.form.retry_minutes"].replace("{minutes}", Math.max(1, Math.ceil(seconds / 60)));
    }
    var offset = 8 * 3600 * 1000;
    var now = new Date(Date.now() + offset);
    var then = new Date(Date.now() + seconds * 1000 + offset);
    var time = ("0" + then.getUTCHours()).slice(-2) + ":" + ("0" + then.getUTCMinutes()).slice(-2);
    var sameDay = now.toISOString().slice(0, 10) === then.toISOString().slice(0, 10);
    return messages[sameDay ? "site.form.retry_at" : "site.form.retry_tomorrow"].replace("{time}", time);
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
      // Stay busy: the page is leaving for the thank-you page. Someone else's request for the
      // same car is not this customer's: no reference number for it.
      var query = body.duplicate && body.same_customer === false ? "?duplicate=1&other=1"
        : "?lead=" + encodeURIComponent(body.lead_id) + (body.duplicate ? "&duplicate=1" : "");
      location.assign(form.getAttribute("data-thanks") + query);
      return;
    }
    setBusy(form, false);
    if (response.status === 400 && body.error === "invalid" && body.fields) {
      showFieldErrors(form, body.fields);
    } else if (response.status === 429) {
      // A retry button cannot help before the limit resets: say when instead.
      var wait = parseInt(response.headers.get("Retry-After"), 10);
      showStatus(form, messages["site.form.limit"] + retryText(wait > 0 ? wait : 3600), false);
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
