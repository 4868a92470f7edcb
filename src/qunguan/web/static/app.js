// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // The phone menu.
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Live search: a form marked data-live-search refreshes its results in place.
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var target = document.querySelector(form.getAttribute("data-live-search"));
    if (!target) return;
    var timer = null;
    var seq = 0;
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      var url = form.getAttribute("action") + "?" + params.toString();
      params.set("partial", "1");
      var mine = ++seq;
      fetch(form.getAttribute("action") + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          if (mine !== seq) return; // a later keystroke won
          target.innerHTML = html;
          history.replaceState(null, "", url);
        })
        .catch(function () { form.submit(); });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    form.addEventListener("change", function (e) {
      if (e.target.name === "unit") { form.submit(); return; } // departments follow the unit
      if (e.target.tagName === "SELECT") { clearTimeout(timer); refresh(); }
    });
  });
})();
