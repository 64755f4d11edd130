/* The loader a site embeds with one script tag:
     <script src="https://support.example.com/widget.js" async
             data-user-id="42" data-user-name="Ann" data-user-email="ann@example.com"
             data-user-hash="(HMAC-SHA256 of the id, computed by the site's server)"></script>
   It adds a launcher button that opens the chat in a frame. The server wraps this file in a
   function that receives TEXTS, the launcher's words in every language. Styles are set
   through the DOM (no inline <style>), so a site's Content-Security-Policy needs no change
   beyond allowing this script and the frame. */
"use strict";
var script = document.currentScript;
var base = new URL(".", script.src);
var data = script.dataset;
var wanted = (data.lang || navigator.language || "en").slice(0, 2).toLowerCase();
var texts = TEXTS[wanted] || TEXTS.en;
var identity = data.userId
  ? { id: data.userId, name: data.userName || "", email: data.userEmail || "", hash: data.userHash || "" }
  : null;
var frame = null;
var button = document.createElement("button");

function style(element, rules) {
  Object.keys(rules).forEach(function (name) {
    element.style.setProperty(name, rules[name]);
  });
}

function open() {
  if (frame === null) {
    frame = document.createElement("iframe");
    var source = new URL("chat", base);
    source.searchParams.set("embed", "1");
    if (data.lang) {
      source.searchParams.set("lang", data.lang);
    }
    if (identity) {
      source.hash = encodeURIComponent(JSON.stringify(identity));
    }
    frame.src = source.href;
    frame.title = texts.title;
    frame.id = "chatdesk-frame";
    style(frame, {
      position: "fixed", right: "8px", bottom: "72px", "z-index": "2147483000",
      width: "min(400px, calc(100vw - 16px))", height: "min(600px, calc(100vh - 88px))",
      border: "1px solid #c8ccd2", "border-radius": "12px", background: "#fff",
      "box-shadow": "0 8px 24px rgba(0,0,0,.2)"
    });
    document.body.appendChild(frame);
  }
  frame.hidden = false;
  button.setAttribute("aria-expanded", "true");
  frame.focus();
}

function close() {
  if (frame !== null) {
    frame.hidden = true;
  }
  button.setAttribute("aria-expanded", "false");
  button.focus();
}

button.type = "button";
button.id = "chatdesk-launcher";
button.textContent = texts.launcher;
button.setAttribute("aria-expanded", "false");
button.setAttribute("aria-controls", "chatdesk-frame");
style(button, {
  position: "fixed", right: "16px", bottom: "16px", "z-index": "2147483000",
  padding: "12px 18px", border: "0", "border-radius": "24px", background: "#1d4ed8",
  color: "#fff", font: "600 16px/1.2 system-ui, sans-serif", cursor: "pointer",
  "box-shadow": "0 4px 12px rgba(0,0,0,.25)"
});
button.addEventListener("click", function () {
  if (frame !== null && !frame.hidden) {
    close();
  } else {
    open();
  }
});
window.addEventListener("message", function (event) {
  if (event.origin === base.origin && event.data === "chatdesk:close") {
    close();
  }
});

function attach() {
  document.body.appendChild(button);
}
if (document.body) {
  attach();
} else {
  document.addEventListener("DOMContentLoaded", attach);
}
