// ordersync's page script. The pages work without it; it adds:
// - embedded in the Shopify admin (App Bridge present as `window.shopify`): a fresh session
//   token from `shopify.idToken()` on every in-app link, form and htmx request, instead of the
//   page token the server put into them;
// - the "select every order on this page" checkbox of the Orders tab;
// - copy buttons (`data-copy="<element id>"`);
// - focus on the first field with an error, else on the confirmation message, and kept in a
//   part htmx swapped.
(function () {
  "use strict";

  function pageToken() {
    var meta = document.querySelector('meta[name="ordersync-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function hasAppBridge() {
    return typeof window.shopify === "object" && window.shopify !== null &&
      typeof window.shopify.idToken === "function";
  }

  // A fresh token: App Bridge's when embedded, else the page token.
  function freshToken() {
    if (!hasAppBridge()) {
      return Promise.resolve(pageToken());
    }
    return window.shopify.idToken().then(function (token) {
      return token || pageToken();
    }, function () {
      return pageToken();
    });
  }

  function isInApp(url) {
    return url.origin === window.location.origin && url.pathname.indexOf("/app") === 0;
  }

  // In-app links: swap the id_token in the URL for a fresh one before leaving.
  document.addEventListener("click", function (event) {
    if (!hasAppBridge() || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.target) {
      return;
    }
    var url = new URL(link.href, window.location.href);
    if (!isInApp(url) || !url.searchParams.has("id_token")) {
      return;
    }
    event.preventDefault();
    freshToken().then(function (token) {
      url.searchParams.set("id_token", token);
      window.location.assign(url.toString());
    });
  });

  // Forms: refresh their id_token field before they are sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!hasAppBridge() || form.dataset.refreshed === "1") {
      return;
    }
    var field = form.querySelector('input[name="id_token"]');
    if (!field) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    freshToken().then(function (token) {
      field.value = token;
      form.dataset.refreshed = "1";
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
      form.dataset.refreshed = "";
    });
  });

  // htmx requests carry the token as a bearer header.
  document.addEventListener("htmx:confirm", function (event) {
    if (!hasAppBridge()) {
      return;
    }
    event.preventDefault();
    freshToken().then(function (token) {
      event.detail.elt.dataset.ordersyncToken = token;
      event.detail.issueRequest();
    });
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var token = (elt && elt.dataset && elt.dataset.ordersyncToken) || pageToken();
    if (token) {
      event.detail.headers.Authorization = "Bearer " + token;
    }
  });

  // After htmx swapped a part of the page, keep the keyboard focus in it: on the control that
  // was used when it is still there, else on the part's current tab or its first heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || (document.activeElement && document.activeElement !== document.body &&
        document.contains(document.activeElement))) {
      return;
    }
    var part = document.getElementById(target.id) || target;
    var focus = part.querySelector('[aria-current="page"]') || part.querySelector("h2");
    if (focus) {
      if (!focus.hasAttribute("tabindex") && focus.tagName === "H2") {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    }
  });

  function setUp() {
    // "Select all" checkboxes: data-select-all="<name of the row checkboxes>".
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var name = all.getAttribute("data-select-all");
      var boxes = function () {
        return Array.prototype.slice.call(
          document.querySelectorAll('input[type="checkbox"][name="' + name + '"]'));
      };
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
      });
      document.addEventListener("change", function (event) {
        if (event.target.name === name) {
          var list = boxes();
          var checked = list.filter(function (b) { return b.checked; }).length;
          all.checked = checked === list.length && list.length > 0;
          all.indeterminate = checked > 0 && checked < list.length;
        }
      });
    });

    // Copy buttons.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) {
          return;
        }
        var text = source.value !== undefined ? source.value : source.textContent;
        navigator.clipboard.writeText(text.trim()).then(function () {
          var region = document.getElementById("notice");
          if (region) {
            region.textContent = "Copied to the clipboard.";
          }
        });
      });
    });

    // Focus: the first field in error, else the confirmation message.
    var invalid = document.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    } else {
      var notice = document.querySelector("#notice .banner");
      if (notice) {
        notice.setAttribute("tabindex", "-1");
        notice.focus();
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
