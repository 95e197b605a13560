// The respool console's only script: it keeps a page's live part current.
//
// A page's live part (#live) names the console's change feed (data-watch)
// and where to read the part again (data-fragment). On each change the
// script reads it again, a moment later so that a burst of changes costs
// one read, and puts it in place, keeping what the person ticked, typed or
// focused. Parts with data-poll are read again every data-every ms. Without
// the script every page still works: reload to see changes.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var REOPEN_MS = 5000;

  function keepState(region) {
    var kept = { focus: null, fields: [] };
    var active = document.activeElement;
    if (active && active.id && region.contains(active)) kept.focus = active.id;
    region.querySelectorAll("input[id], select[id], textarea[id]").forEach(function (el) {
      if (el.type === "hidden") return;
      kept.fields.push({ id: el.id, checked: el.checked, value: el.value, dirty: el.dataset.dirty === "1" });
    });
    return kept;
  }

  function restoreState(region, kept) {
    kept.fields.forEach(function (f) {
      var el = document.getElementById(f.id);
      if (!el || !region.contains(el)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = f.checked;
      } else if (f.dirty) {
        el.value = f.value;
        el.dataset.dirty = "1";
      }
    });
    if (kept.focus) {
      var focused = document.getElementById(kept.focus);
      if (focused) focused.focus();
    }
  }

  function say(text) {
    var status = document.getElementById("live-status");
    if (status) status.textContent = text;
  }

  function refresh(region, url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        // The session ended: the sign-in page answered instead.
        if (res.redirected) {
          window.location.assign(res.url);
          return;
        }
        return res.text().then(function (html) {
          var kept = keepState(region);
          region.innerHTML = html;
          restoreState(region, kept);
          say("Updated at " + new Date().toLocaleTimeString() + ".");
        });
      })
      .catch(function () {
        say("Could not read the page again; reload to see changes.");
      });
  }

  function follow(region) {
    var timer = null;
    var opened = false;
    var source = new EventSource(region.dataset.watch);
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(region, region.dataset.fragment); }, DEBOUNCE_MS);
    }
    source.onopen = function () {
      // After a reconnect, changes may have been missed: read the page again.
      if (opened) soon();
      opened = true;
      say("Changes appear as they happen.");
    };
    source.onmessage = function (e) {
      var change;
      try { change = JSON.parse(e.data); } catch (err) { return; }
      if (change && change.type !== "BOOKMARK") soon();
    };
    source.onerror = function () {
      if (source.readyState !== EventSource.CLOSED) return;
      // Refused (the session ended, the pool is gone): read the page once,
      // which signs in again if need be, and try the feed again later.
      say("Live updates paused; trying again shortly.");
      refresh(region, region.dataset.fragment);
      setTimeout(function () { follow(region); }, REOPEN_MS);
    };
  }

  function poll(el) {
    var every = Number(el.dataset.every) || 2000;
    setInterval(function () { refresh(el, el.dataset.poll); }, every);
  }

  document.addEventListener("input", function (e) {
    if (e.target && e.target.dataset) e.target.dataset.dirty = "1";
  });

  var live = document.getElementById("live");
  if (live && live.dataset.watch && window.EventSource) follow(live);
  document.querySelectorAll("[data-poll]").forEach(poll);
})();
