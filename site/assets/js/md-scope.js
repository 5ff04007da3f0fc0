/* mkdocs-material's storage helpers (the theme normally inlines them). The scope is the site
   root, passed per page in the data-md-scope attribute of this script tag. Loaded in <head>
   before the first paint: the "js" class lets the CSS reserve room for what scripts show. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");
  var script = document.currentScript;
  window.__md_scope = new URL(script.getAttribute("data-md-scope") || ".", location);
  window.__md_hash = function (value) {
    return Array.prototype.reduce.call(value, function (hash, ch) {
      return (hash << 5) - hash + ch.charCodeAt(0);
    }, 0);
  };
  window.__md_get = function (key, storage, scope) {
    storage = storage || localStorage;
    scope = scope || window.__md_scope;
    return JSON.parse(storage.getItem(scope.pathname + "." + key));
  };
  window.__md_set = function (key, value, storage, scope) {
    storage = storage || localStorage;
    scope = scope || window.__md_scope;
    try { storage.setItem(scope.pathname + "." + key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  };
})();
