/* Event Hubs Onboarding: progressive enhancement on top of server-rendered pages and htmx.
 * Everything works without this file; it adds focus management, keyboard tabs, busy buttons,
 * copy buttons and a warning before leaving unsaved input. No inline script: the CSP forbids it. */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  /* Busy buttons: the button says what is happening and cannot be pressed twice. */
  function busyButton(form) {
    return form.querySelector("button[data-busy-label]");
  }

  function setBusy(form, busy) {
    var button = busyButton(form);
    if (!button) return;
    if (busy) {
      button.dataset.idleLabel = button.textContent;
      button.textContent = button.dataset.busyLabel;
      button.disabled = true;
      button.classList.add("is-busy");
      form.setAttribute("aria-busy", "true");
      announce(button.dataset.busyLabel);
    } else if (button.dataset.idleLabel) {
      button.textContent = button.dataset.idleLabel;
      button.disabled = false;
      button.classList.remove("is-busy");
      form.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    form.dataset.dirty = "";
    var submitter = event.submitter;
    if (submitter && submitter.name === "switch_auth") return;
    if (form.matches("[data-busy-form]")) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if (!form.hasAttribute("hx-post")) setBusy(form, true); /* a plain POST: the page will change */
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLFormElement && elt.matches("[data-busy-form]")) setBusy(elt, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLFormElement && elt.isConnected) setBusy(elt, false);
  });

  /* Errors the server could not answer: say so, keep the page as it is. */
  function clientError(text) {
    var box = document.getElementById("client-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "client-error";
      box.className = "problem";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      var main = document.getElementById("main");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
    box.focus();
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    clientError("Something went wrong on the server (HTTP " + status + "). What you typed is still here; please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    clientError("Could not reach the app. Check your connection; what you typed is still here.");
  });

  /* Inputs kept by hx-preserve keep their old attributes; copy the new field's state onto them. */
  function syncPreservedFields(root) {
    root.querySelectorAll(".field[data-describedby]").forEach(function (field) {
      var input = field.querySelector("input[hx-preserve], textarea[hx-preserve]");
      if (!input) return;
      var invalid = field.classList.contains("field--invalid");
      if (invalid) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      var describedBy = field.dataset.describedby;
      if (describedBy) input.setAttribute("aria-describedby", describedBy);
      else input.removeAttribute("aria-describedby");
    });
  }

  /* Focus: the first field with an error, else the problem, else the new step's heading. */
  function focusWizard() {
    var target = document.querySelector("#wizard [aria-invalid='true']:not([type='hidden'])") ||
      document.querySelector("#wizard #problem") || document.querySelector("#wizard #step-heading");
    if (target) target.focus();
  }

  /* A page the server sent back with errors (a plain POST): focus goes to what to do, the first field with an
   * error; in a radio group, its chosen radio or else its first one that can be chosen. */
  function focusFirstProblem() {
    var field = document.querySelector("main .field--invalid");
    if (!field || field.closest("#wizard")) return;
    var target = field.querySelector("input:checked:not([disabled]):not([type='hidden'])") ||
      field.querySelector("input:not([disabled]):not([type='hidden']), select:not([disabled]), textarea:not([disabled])");
    if (target) target.focus();
  }
  focusFirstProblem();

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    syncPreservedFields(document);
    if (!target) return;
    if (target.id === "wizard") {
      focusWizard();
      var form = target.querySelector("form[data-guard-unsaved]");
      if (form && form.querySelector(".field--invalid")) form.dataset.dirty = "1";
    } else if (target.id === "auth-section" && event.detail.elt && event.detail.elt.getAttribute("role") === "tab") {
      // The tab that had focus was swapped out; give focus to the new selected tab, unless the
      // user has already moved on to another field.
      var active = document.activeElement;
      if (!active || active === document.body || active.getAttribute("role") === "tab") {
        var selected = target.querySelector("[role='tab'][aria-selected='true']");
        if (selected) selected.focus();
      }
    }
  });

  /* The authentication tabs follow the ARIA tabs pattern: arrows, Home and End move and select. */
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role='tab']");
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role='tablist']").querySelectorAll("[role='tab']"));
    var index = tabs.indexOf(tab);
    var last = tabs.length - 1;
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": index = index === last ? 0 : index + 1; break;
      case "ArrowLeft": case "ArrowUp": index = index === 0 ? last : index - 1; break;
      case "Home": index = 0; break;
      case "End": index = last; break;
      default: return;
    }
    event.preventDefault();
    tabs[index].focus();
    tabs[index].click();
  });

  /* Copy buttons. */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var label = (button.getAttribute("aria-label") || "").replace(/^Copy /, "");
    copyText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
      announce(label + " copied to the clipboard");
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }, function () {
      announce("Copying failed; select the text and copy it by hand");
    });
  });

  /* A searchable list (the Mapping step's schema fields): typing hides the items that do not contain the words. */
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-filter]")) return;
    var list = document.getElementById(box.dataset.filter);
    if (!list) return;
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    list.querySelectorAll("li[data-text]").forEach(function (item) {
      var text = item.dataset.text;
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      item.hidden = !match;
      if (match) shown += 1;
    });
    var count = document.getElementById(box.getAttribute("aria-describedby"));
    if (count) count.textContent = shown + (shown === 1 ? " field" : " fields");
  });

  /* The name Experience Platform will list, as the name is typed (the server builds it the same way). */
  document.addEventListener("input", function (event) {
    var preview = document.getElementById("aep-account-preview");
    if (!preview || event.target.id !== "id_name") return;
    var name = event.target.value.trim().replace(/,/g, " ");
    preview.textContent = name ? name + " " + preview.dataset.reference : "the name above";
  });

  /* Warn before leaving a page with unsaved input. */
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-guard-unsaved]");
    if (form) form.dataset.dirty = "1";
  });
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-dirty='1']")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
