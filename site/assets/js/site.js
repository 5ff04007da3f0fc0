/* Small enhancements for every page; each page works without them. */
(function () {
  "use strict";

  function params() { return new URLSearchParams(location.search); }

  /* Full-width digits and punctuation (Chinese input methods) count as their ASCII twins. */
  function foldWidth(text) {
    return String(text).replace(/[\uff01-\uff5e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(/\u3000/g, " ");
  }

  /* A premium as customers type it: 4500, 4,500, ４５００, 4500元, ¥4500, 1.5万, 1.5万元. */
  function parseAmount(text) {
    var compact = foldWidth(text).replace(/[,，\s元块¥￥]/g, "");
    if (compact === "") { return null; }
    var match = /^(\d+(?:\.\d+)?)(万|千)?$/.exec(compact);
    if (!match) { return NaN; }
    var unit = match[2] === "万" ? 10000 : match[2] === "千" ? 1000 : 1;
    return Math.round(Number(match[1]) * unit * 100) / 100;
  }

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
      var amount = parseAmount(premium.value);
      if (amount === null) { return null; }
      if (isNaN(amount)) { return "invalid"; }
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
    update();
  }

  /* A lead id's last 8 characters as XXXX-XXXX: what a customer reads out on the phone. */
  function shortReference(lead) {
    var tail = lead.slice(-8).toUpperCase();
    return tail.slice(0, 4) + "-" + tail.slice(4);
  }

  /* /thanks/?lead=...&duplicate=1, or ?duplicate=1&other=1 (the car is another person's lead). */
  function setUpThanks() {
    var query = params();
    var lead = query.get("lead");
    var other = query.get("duplicate") === "1" && query.get("other") === "1";
    var reference = document.querySelector("[data-rd-reference]");
    if (reference && lead && !other && /^[0-9A-Za-z]{26}$/.test(lead)) {
      reference.querySelector("[data-rd-lead]").textContent = shortReference(lead);
      reference.hidden = false;
    }
    var duplicate = document.querySelector("[data-rd-duplicate]");
    if (duplicate && query.get("duplicate") === "1" && !other && lead) { duplicate.hidden = false; }
    var elsewhere = document.querySelector("[data-rd-duplicate-other]");
    if (elsewhere && other) { elsewhere.hidden = false; }
  }

  /* /form-error/?form=renewal&errors=phone:invalid,consent:must_accept — only the fields and
     codes that form can have, each said with the catalog's own text; nothing from the address
     is ever shown as it is. */
  function setUpFormError(section) {
    var source = document.getElementById("rd-error-messages");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var texts = data.texts;
    var form = params().get("form");
    var fields = data.forms[form];
    if (!fields) { return; }
    var codes = {};
    (params().get("errors") || "").split(",").forEach(function (pair) {
      var at = pair.indexOf(":");
      if (at > 0) { codes[pair.slice(0, at)] = pair.slice(at + 1); }
    });
    var items = fields.concat(["form"]).filter(function (field) {
      var code = codes[field];
      return code && (texts["error." + code + "." + field] || texts["error." + code]);
    }).map(function (field) { return RenewDesk.fieldMessage(texts, field, codes[field]); });
    section.querySelectorAll("[data-rd-again]").forEach(function (link) {
      link.hidden = link.getAttribute("data-rd-again") !== form;  // only the form just sent
    });
    if (!items.length) { return; }
    var list = section.querySelector("[data-rd-error-list]");
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    var lead = document.createElement("p");
    lead.className = "rd-error-list__lead";
    lead.textContent = texts["site.error.count"].replace("{count}", items.length);
    list.parentNode.insertBefore(lead, list);
    list.hidden = false;
    section.querySelector("[data-rd-static-help]").hidden = true;
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
    },
    foldWidth: foldWidth,
    shortReference: shortReference
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
    if (input && code && !input.value) { input.value = foldWidth(code).trim().toUpperCase().slice(0, 16); }
  }

  /* Menu and search are labels for checkboxes (they work without JavaScript); as buttons they
     also answer Enter and Space. */
  function setUpLabelButtons() {
    document.querySelectorAll("label[for][tabindex]").forEach(function (label) {
      label.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          label.click();
        }
      });
    });
  }

  /* mkdocs-material's script (search, with its index and worker) loads only when the visitor
     opens search, or arrives from a search result to have the words highlighted. */
  function setUpLazySearch() {
    var toggle = document.getElementById("__search");
    var inert = document.querySelector("script[data-rd-bundle]");
    if (!toggle || !inert) { return; }
    var loaded = false;
    function load() {
      if (loaded) { return; }
      loaded = true;
      var script = document.createElement("script");
      script.src = inert.getAttribute("data-src");
      script.onload = function () {
        // The theme mounts page components on DOMContentLoaded, long past by now.
        if (window.document$) { window.document$.next(document); }
      };
      document.body.appendChild(script);
    }
    var input = document.querySelector(".md-search__input");
    toggle.addEventListener("change", function () {
      if (!toggle.checked) { return; }
      load();
      if (input) { input.focus(); }
    });
    // Wide screens show the search box in the header: typing into it starts search too.
    if (input) { input.addEventListener("focus", load); }
    if (params().has("h")) { load(); }
  }

  document.querySelectorAll("[data-rd-calculator]").forEach(setUpCalculator);
  setUpThanks();
  var formError = document.querySelector("[data-rd-form-error]");
  if (formError) { setUpFormError(formError); }
  setUpPrint();
  prefillReferralCode();
  setUpLabelButtons();
  setUpLazySearch();
})();
