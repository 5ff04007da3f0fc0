/* The one-click renewal page: /r/<code> (a reminder SMS's short link, answered with this page)
   or /renew/?t=<token> (links sent before short links). Shows the masked preview of the policy
   the link names, one confirm button (sent by forms.js like any form) and an opt-out from the
   reminders. Without a link, or with one that no longer works, the manual form stays. The code
   or token leaves the address bar at once: it should not sit in history or screenshots. */
(function () {
  "use strict";
  var section = document.querySelector("[data-rd-oneclick]");
  if (!section) { return; }
  var params = new URLSearchParams(location.search);
  var manual = document.querySelector("[data-rd-manual]");
  var status = section.querySelector("[data-rd-oneclick-status]");
  var retry = section.querySelector("[data-rd-oneclick-retry]");
  var preview = section.querySelector("[data-rd-oneclick-preview]");
  var confirmForm = preview.querySelector("form[data-rd-form]");
  var optout = section.querySelector("form[data-rd-optout]");
  var language = document.documentElement.lang || "zh";

  if (params.get("optout") === "1") {
    document.querySelector("[data-rd-optout-done]").hidden = false;
  }
  var token = params.get("t");
  var short = /^\/r\/([0-9A-Za-z]{12})$/.exec(location.pathname);
  var code = short ? short[1] : null;
  if (!token && !code) { return; }
  history.replaceState(null, "", code ? "/renew/" : location.pathname);

  function useToken(value) {
    token = value;
    Array.prototype.forEach.call(section.querySelectorAll("[data-rd-token]"), function (input) {
      input.value = value;
    });
  }
  if (token) { useToken(token); }

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  /* 2026-12-20 → 2026年12月20日 on the Chinese site. */
  function formatDay(text) {
    var day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!day || language.indexOf("zh") !== 0) { return text; }
    return day[1] + "年" + Number(day[2]) + "月" + Number(day[3]) + "日";
  }

  function showManual() {
    section.hidden = true;
    manual.hidden = false;
  }

  function ask(url, options) {
    options.credentials = "omit";
    options.referrerPolicy = "no-referrer";
    options.headers = Object.assign({ "Accept": "application/json", "Accept-Language": language },
                                    options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function load() {
    retry.hidden = true;
    say(status.getAttribute("data-loading"));
    var query = code ? "c=" + encodeURIComponent(code) : "t=" + encodeURIComponent(token);
    ask(confirmForm.action + "/link?" + query, { method: "GET" })
      .then(function (answer) {
        if (answer.status === 200) {
          if (answer.body.token) { useToken(answer.body.token); }
          ["name", "plate", "expiry_date"].forEach(function (key) {
            preview.querySelector('[data-rd-preview="' + key + '"]').textContent =
              key === "expiry_date" ? formatDay(answer.body[key]) : answer.body[key];
          });
          say("");
          preview.hidden = false;
          return;
        }
        if (answer.status === 400 || answer.status === 410) {
          // A link that no longer works: say so, and let the customer fill in the form.
          var problem = document.querySelector("[data-rd-link-problem]");
          problem.textContent = answer.body.message || status.getAttribute("data-unavailable");
          problem.hidden = false;
          showManual();
          return;
        }
        unavailable();
      })
      .catch(unavailable);
  }

  function unavailable() {
    say(status.getAttribute("data-unavailable"));
    retry.hidden = false;
  }

  manual.hidden = true;
  section.hidden = false;
  retry.addEventListener("click", load);
  section.querySelector("[data-rd-not-me]").addEventListener("click", function () {
    showManual();
    manual.scrollIntoView({ block: "start", behavior: "smooth" });
  });
  optout.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = optout.querySelector("button[type=submit]");
    var error = optout.querySelector("[data-rd-optout-error]");
    button.disabled = true;
    error.hidden = true;
    ask(optout.action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token })
    }).then(function (answer) {
      if (answer.status === 200) {
        optout.hidden = true;
        document.querySelector("[data-rd-optout-done]").hidden = false;
        return;
      }
      button.disabled = false;
      error.textContent = answer.body.message || status.getAttribute("data-unavailable");
      error.hidden = false;
    }).catch(function () {
      button.disabled = false;
      error.textContent = status.getAttribute("data-unavailable");
      error.hidden = false;
    });
  });
  load();
})();
