/* The panel's only script: popups, copy buttons and the card filter. Plain JavaScript, no build step.
 *
 * Everything works without it: popup links open full pages, forms post normally. With it:
 * - a link marked data-dialog opens the <dialog id="modal"> filled with the fragment the same URL returns when
 *   asked with the header "X-Fragment: 1"; forms inside are posted by fetch with the same header and the answer
 *   (errors next to their field, the password shown once, "already done") stays in the dialog; a finished change
 *   answers 204 with X-Redirect, where the page then goes (its flash message is still waiting there);
 * - the submit button is disabled while its form is on its way (a double click sends one form);
 * - folder fields marked data-folders-url get their <datalist> filled with the domain's folders;
 * - password fields get a Show/Hide button;
 * - focus moves into the dialog, Escape closes it (native <dialog> behaviour) and focus returns to the opener;
 * - buttons marked data-copy-target copy the text of the element with that id;
 * - Space activates a button-like link (a.btn, role=button) as it does a <button>: on key release, without
 *   scrolling the page (Enter already works on links);
 * - a search box marked data-filter-target hides the cards on this page that do not match as the customer types
 *   (the box is a GET form: Enter asks the server, which filters every page).
 * URLs always come from the server (href attributes built with url_for), never from strings in this file.
 * Words come from the server too, in the reader's language: data-text-* attributes of <body> (base.html).
 */
(function () {
  "use strict";

  // A word of the page's language (<body data-text-KEY>); the English fallback keeps the script working alone.
  function text(key, fallback) {
    var value = document.body ? document.body.getAttribute("data-text-" + key) : null;
    return value || fallback;
  }

  function escapeHtml(value) {
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  var opener = null;

  function dialogElement() {
    return document.getElementById("modal");
  }

  function firstFocusable(root) {
    return root.querySelector(
      "[autofocus], [aria-invalid='true'], input:not([type='hidden']):not([disabled]), select, textarea, " +
      "button:not([disabled]), a[href]"
    );
  }

  function enhance(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
    root.querySelectorAll("input[data-folders-url][list]").forEach(fillFolders);
    root.querySelectorAll("[data-toggle-password]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function fillFolders(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || list.options.length) {
      return;
    }
    fetch(input.getAttribute("data-folders-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { folders: [] }; })
      .then(function (data) {
        (data.folders || []).forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
      })
      .catch(function () { /* suggestions are a convenience: typing still works */ });
  }

  function togglePassword(button) {
    var input = document.getElementById(button.getAttribute("data-toggle-password"));
    if (!input) {
      return;
    }
    var show = input.type === "password";
    input.type = show ? "text" : "password";
    button.textContent = show ? text("hide", "Hide") : text("show", "Show");
    button.setAttribute("aria-pressed", show ? "true" : "false");
  }

  function typedPasswords(form) {
    var kept = {};
    form.querySelectorAll("input[type='password']").forEach(function (input) {
      if (input.name && input.value) {
        kept[input.name] = input.value;
      }
    });
    return kept;
  }

  function restorePasswords(root, kept) {
    // WTForms never renders a password back; keep what the customer typed when the form returns with errors.
    Object.keys(kept).forEach(function (name) {
      var input = root.querySelector("input[type='password'][name='" + name + "']");
      if (input && !input.value) {
        input.value = kept[name];
      }
    });
  }

  function submitInDialog(form, submitter) {
    var buttons = form.querySelectorAll("button[type='submit'], button:not([type])");
    buttons.forEach(function (button) { button.disabled = true; });
    form.setAttribute("aria-busy", "true");
    var kept = typedPasswords(form);
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var method = (form.getAttribute("method") || "get").toUpperCase();
    var url = form.action;
    var options = { method: method, headers: { "X-Fragment": "1" }, credentials: "same-origin" };
    if (method === "GET") {
      url += (url.indexOf("?") === -1 ? "?" : "&") + new URLSearchParams(data).toString();
    } else {
      options.body = data;
    }
    fetch(url, options)
      .then(function (response) {
        var next = response.headers.get("X-Redirect");
        if (next) {
          window.location.assign(next);
          return null;
        }
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("text/html") !== 0) {
          window.location.assign(response.url);
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          showFragment(html);
          restorePasswords(document.getElementById("modal-body"), kept);
        }
      })
      .catch(function () {
        showFragment("<h2 class=\"modal-title\">" + escapeHtml(text("no-answer-title", "No answer")) +
          "</h2><div class=\"alert alert-error\" role=\"alert\">" + escapeHtml(text("no-answer",
          "The panel did not answer. Reload the page to see whether the change was made.")) + "</div>");
      })
      .finally(function () {
        form.removeAttribute("aria-busy");
        buttons.forEach(function (button) { button.disabled = false; });
      });
  }

  function closeDialog() {
    var dialog = dialogElement();
    if (dialog && dialog.open) {
      dialog.close();
    }
  }

  function showFragment(html) {
    var dialog = dialogElement();
    var body = document.getElementById("modal-body");
    // The fragment is HTML rendered by this panel (same origin, every value escaped by Jinja).
    body.innerHTML = html;
    enhance(body);
    var title = body.querySelector(".modal-title");
    if (title) {
      if (!title.id) {
        title.id = "dialog-title";
      }
      dialog.setAttribute("aria-labelledby", title.id);
    }
    if (!dialog.open) {
      dialog.showModal();
    }
    var target = body.querySelector("[aria-invalid='true']") || firstFocusable(body);
    if (target) {
      target.focus();
    }
  }

  function openDialog(link) {
    var dialog = dialogElement();
    if (!dialog || typeof dialog.showModal !== "function") {
      window.location.assign(link.href);
      return;
    }
    opener = link;
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
      .then(function (response) {
        // A redirect (for example to the login page after the session ended) means: show the real page.
        if (response.redirected || !response.headers.get("Content-Type") ||
            response.headers.get("Content-Type").indexOf("text/html") !== 0) {
          window.location.assign(link.href);
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          showFragment(html);
        }
      })
      .catch(function () {
        window.location.assign(link.href);
      })
      .finally(function () {
        link.removeAttribute("aria-busy");
      });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Fallback for plain-HTTP demos, where the async clipboard API is unavailable.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "copy-buffer";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function copyFrom(button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var label = button.textContent;
    copyText(source.textContent.trim()).then(
      function () {
        button.textContent = text("copied", "Copied");
        button.classList.add("is-done");
        announce(text("copied", "Copied"));
      },
      function () { button.textContent = text("select-copy", "Select and copy"); selectText(source); }
    );
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("is-done");
    }, 2000);
  }

  function announce(text) {
    var live = document.getElementById("live");
    if (live) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);  // a change, even for the same text
    }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function filterCards(input) {
    var container = document.getElementById(input.getAttribute("data-filter-target"));
    if (!container) {
      return;
    }
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    container.querySelectorAll("[data-filter-text]").forEach(function (card) {
      var text = card.getAttribute("data-filter-text").toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      card.hidden = !match;
      if (match) {
        shown += 1;
      }
    });
    var none = document.getElementById(container.id + "-no-match");
    if (none) {
      none.hidden = shown !== 0;
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var link = target.closest("a[data-dialog]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      openDialog(link);
      return;
    }
    var closer = target.closest("[data-close]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closeDialog();
      return;
    }
    var copy = target.closest("[data-copy-target]");
    if (copy) {
      copyFrom(copy);
      return;
    }
    var toggle = target.closest("[data-toggle-password]");
    if (toggle) {
      togglePassword(toggle);
      return;
    }
    // A click on the backdrop (the dialog element itself, outside its body) closes the popup.
    if (target === dialogElement()) {
      closeDialog();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();  // the same form is already on its way (double click, Enter twice)
      return;
    }
    if (form.closest("dialog") && typeof fetch === "function") {
      event.preventDefault();
      submitInDialog(form, event.submitter);
      return;
    }
    form.setAttribute("aria-busy", "true");  // a full-page post: the next submit of it is the double one
  });

  function buttonLike(target) {
    return target instanceof Element ? target.closest("a.btn[href], [role='button']:not(button)") : null;
  }

  function plainSpace(event) {
    return event.key === " " && !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey;
  }

  // A <button> is pressed with Space on key release and Space never scrolls it; links get the same (issue 19).
  var spaceOn = null;
  document.addEventListener("keydown", function (event) {
    var link = plainSpace(event) ? buttonLike(event.target) : null;
    if (link) {
      event.preventDefault();
      spaceOn = event.repeat ? spaceOn : link;
    }
  });

  document.addEventListener("keyup", function (event) {
    var link = plainSpace(event) ? buttonLike(event.target) : null;
    if (link && link === spaceOn) {
      event.preventDefault();
      link.click();
    }
    if (event.key === " ") {
      spaceOn = null;
    }
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-filter-target")) {
      filterCards(target);
    }
  });

  window.addEventListener("pageshow", function () {
    // Back to a page kept in the browser's cache: its forms are no longer on their way.
    document.querySelectorAll("form[aria-busy='true']").forEach(function (form) {
      form.removeAttribute("aria-busy");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var dialog = dialogElement();
    if (dialog) {
      dialog.addEventListener("close", function () {
        document.getElementById("modal-body").replaceChildren();
        dialog.removeAttribute("aria-labelledby");
        if (opener && document.contains(opener)) {
          opener.focus();
        }
        opener = null;
      });
    }
  });
})();
