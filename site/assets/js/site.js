/* Small enhancements for every page; each page works without them. */
(function () {
  "use strict";

  function params() { return new URLSearchParams(location.search); }

  /* Gift-tier calculator: reads the bands from the same table the page lists. */
  function setUpCalculator(calc) {
    var table = calc.parentNode.querySelector("[data-rd-tiers]");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var premium = calc.querySelector("[data-rd-premium]");
    var compulsory = calc.querySelector("[data-rd-compulsory]");
    var result = calc.querySelector("[data-rd-result]");

    function matchingRow() {
      if (compulsory.checked) {
        return rows.filter(function (r) { return r.hasAttribute("data-compulsory"); })[0] || null;
      }
      // Customers write 4500, 4,500, 4500元 or ¥4500: keep the number.
      var text = premium.value.replace(/[,，\s元¥￥]/g, "");
      if (text === "") { return null; }
      if (!/^\d+(\.\d+)?$/.test(text)) { return "invalid"; }
      var amount = Number(text);
      return rows.filter(function (r) {
        if (!r.hasAttribute("data-from")) { return false; }
        var from = Number(r.getAttribute("data-from"));
        var to = r.hasAttribute("data-to") ? Number(r.getAttribute("data-to")) : Infinity;
        return amount >= from && amount < to;
      })[0] || null;
    }

    function update() {
      premium.disabled = compulsory.checked;
      var row = matchingRow();
      rows.forEach(function (r) { r.classList.toggle("rd-tiers__row--match", r === row); });
      result.textContent = "";
      if (row === "invalid" || row === null) {
        var p = document.createElement("p");
        p.className = "rd-calc__hint";
        p.textContent = result.getAttribute(row === "invalid" ? "data-invalid" : "data-empty");
        result.appendChild(p);
        return;
      }
      var card = document.createElement("div");
      card.className = "rd-calc__card";
      var heading = document.createElement("p");
      heading.className = "rd-calc__heading";
      var tag = row.querySelector(".rd-tag");
      heading.textContent = result.getAttribute("data-heading") + " · " +
        row.querySelector(".rd-tiers__band").textContent.trim() +
        (tag ? "（" + tag.textContent.trim() + "）" : "");
      card.appendChild(heading);
      card.appendChild(row.querySelector(".rd-gifts").cloneNode(true));
      result.appendChild(card);
    }

    premium.addEventListener("input", update);
    compulsory.addEventListener("change", update);
    calc.hidden = false;
    update();
  }

  /* /thanks/?lead=...&duplicate=1 */
  function setUpThanks() {
    var lead = params().get("lead");
    var reference = document.querySelector("[data-rd-reference]");
    if (reference && lead && /^[0-9A-Za-z]{10,40}$/.test(lead)) {
      reference.querySelector("[data-rd-lead]").textContent = lead;
      reference.hidden = false;
    }
    var duplicate = document.querySelector("[data-rd-duplicate]");
    if (duplicate && params().get("duplicate") === "1") { duplicate.hidden = false; }
  }

  /* /form-error/?form=renewal&errors=phone:invalid,consent:must_accept */
  function setUpFormError(section) {
    var source = document.getElementById("rd-error-messages");
    if (!source) { return; }
    var messages = JSON.parse(source.textContent);
    var errors = (params().get("errors") || "").split(",").filter(Boolean).map(function (pair) {
      var at = pair.indexOf(":");
      return { field: pair.slice(0, at), code: pair.slice(at + 1) };
    }).filter(function (e) { return e.field && e.code; });
    if (!errors.length) { return; }
    var list = section.querySelector("[data-rd-error-list]");
    errors.forEach(function (e) {
      var item = document.createElement("li");
      item.textContent = RenewDesk.fieldMessage(messages, e.field, e.code);
      list.appendChild(item);
    });
    var lead = document.createElement("p");
    lead.className = "rd-error-list__lead";
    lead.textContent = messages["site.error.count"].replace("{count}", errors.length);
    list.parentNode.insertBefore(lead, list);
    list.hidden = false;
    section.querySelector("[data-rd-static-help]").hidden = true;
    var form = params().get("form");
    section.querySelectorAll("[data-rd-again]").forEach(function (link) {
      link.hidden = link.getAttribute("data-rd-again") !== form;  // only the form just sent
    });
    var back = section.querySelector("[data-rd-back]");
    section.querySelector("[data-rd-back-wrap]").hidden = false;
    back.addEventListener("click", function () {
      // Back keeps what the customer typed; a fresh form is the fallback after a reload.
      if (history.length > 1) { history.back(); } else { location.href = form === "referral" ? "/join/" : "/renew/"; }
    });
  }

  /* The same rule as the API's catalogs: a field-specific text, else the general one. */
  window.RenewDesk = {
    fieldMessage: function (messages, field, code) {
      if (field === "form") { return messages["error." + code] || messages["error.internal"]; }
      var specific = messages["error." + code + "." + field];
      if (specific) { return specific; }
      var general = messages["error." + code] || messages["error.internal"];
      var label = messages["field." + field] || field;
      return general.replace("{field}", label).replace("{name}", field);
    }
  };

  function setUpPrint() {
    document.querySelectorAll("[data-rd-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* /join/?code=ABC234 fills in the referral code. */
  function prefillReferralCode() {
    var input = document.querySelector("[data-rd-form=referral] input[name=code]");
    var code = params().get("code");
    if (input && code && !input.value) { input.value = code.trim().toUpperCase().slice(0, 16); }
  }

  document.querySelectorAll("[data-rd-calculator]").forEach(setUpCalculator);
  setUpThanks();
  var formError = document.querySelector("[data-rd-form-error]");
  if (formError) { setUpFormError(formError); }
  setUpPrint();
  prefillReferralCode();
})();
