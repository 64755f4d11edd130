/* The chat page of chatdesk: one WebSocket to the server, every text drawn as text.
   No innerHTML anywhere: what customers, agents and article authors wrote is shown
   literally. Links are made only for the addresses the server lists as knowledge-base
   articles. No build step: this file is served as it is. */
(function () {
  "use strict";

  var body = document.body;
  var texts = JSON.parse(body.dataset.texts);
  var log = document.getElementById("log");
  var statusLine = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var fileInput = document.getElementById("file");
  var seen = new Set();
  var socket = null;
  var retries = 0;
  var refused = false;
  var fileLimit = 10 * 1024 * 1024;

  // The widget passes the site's identity in the fragment: never sent to a server, never
  // logged. It is kept for this tab only (sessionStorage), so a reload keeps the visitor.
  var identity = null;
  try {
    if (location.hash.length > 1) {
      identity = JSON.parse(decodeURIComponent(location.hash.slice(1)));
      sessionStorage.setItem("chatdesk.identity", JSON.stringify(identity));
      history.replaceState(null, "", location.pathname + location.search);
    } else {
      identity = JSON.parse(sessionStorage.getItem("chatdesk.identity") || "null");
    }
  } catch (e) {
    identity = null;
  }
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") || navigator.language || "";

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 14);
  }

  function setStatus(text) {
    statusLine.textContent = text;
    statusLine.hidden = !text;
  }

  function applyTexts(newTexts, newLang) {
    texts = newTexts;
    document.documentElement.lang = newLang;
    document.title = texts.title;
    document.getElementById("chat-title").textContent = texts.title;
    document.getElementById("mine").textContent = texts.my_tickets;
    document.getElementById("close").setAttribute("aria-label", texts.close);
    document.getElementById("attach").textContent = texts.attach;
    document.getElementById("send").textContent = texts.send;
    document.getElementById("text-label").textContent = texts.input_label;
    document.getElementById("welcome").textContent = texts.welcome;
    input.placeholder = texts.placeholder;
    log.setAttribute("aria-label", texts.log_label);
    document.getElementById("panel-title").textContent = texts.my_tickets;
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (element) {
      element.textContent = texts[element.dataset.text];
    });
  }

  // Text with the listed article addresses as links; everything else as plain text.
  function appendText(element, text, links) {
    var rest = text;
    while (rest.length) {
      var first = -1;
      var url = "";
      links.forEach(function (candidate) {
        var at = rest.indexOf(candidate);
        if (/^https?:\/\//.test(candidate) && at >= 0 && (first < 0 || at < first)) {
          first = at;
          url = candidate;
        }
      });
      if (first < 0) {
        element.appendChild(document.createTextNode(rest));
        return;
      }
      element.appendChild(document.createTextNode(rest.slice(0, first)));
      var a = document.createElement("a");
      a.href = url;
      a.textContent = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      element.appendChild(a);
      rest = rest.slice(first + url.length);
    }
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function addLine(frame) {
    if (seen.has(frame.id)) {
      return;
    }
    seen.add(frame.id);
    var item = document.createElement("li");
    item.className = "line " + (frame.sender === "visitor" ? "visitor" : "desk");
    item.dataset.id = String(frame.id);
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (frame.sender === "visitor" ? texts.you : texts.desk) + ": ";
    item.appendChild(who);
    var paragraph = document.createElement("p");
    paragraph.className = "text";
    appendText(paragraph, String(frame.text || ""), frame.links || []);
    item.appendChild(paragraph);
    if (frame.choices && frame.choices.length) {
      var group = document.createElement("div");
      group.className = "choices";
      frame.choices.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.dataset.choice = String(choice[0]);
        button.textContent = String(choice[1]);
        button.addEventListener("click", function () {
          send({ type: "press", choice: String(choice[0]), label: String(choice[1]) });
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    // in id order, also when a line from another process arrives late
    var next = null;
    Array.prototype.forEach.call(log.querySelectorAll("li[data-id]"), function (other) {
      if (next === null && Number(other.dataset.id) > frame.id) {
        next = other;
      }
    });
    log.insertBefore(item, next);
    scrollDown();
  }

  function addNotice(text) {
    var item = document.createElement("li");
    item.className = "line notice";
    var paragraph = document.createElement("p");
    paragraph.className = "text";
    paragraph.textContent = text;
    item.appendChild(paragraph);
    log.appendChild(item);
    scrollDown();
  }

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      addNotice(texts.offline);
      return false;
    }
    frame.id = newId();
    socket.send(JSON.stringify(frame));
    return true;
  }

  function onFrame(event) {
    var frame = JSON.parse(event.data);
    if (frame.type === "ready") {
      retries = 0;
      fileLimit = frame.fileLimit;
      applyTexts(frame.texts, frame.lang);
      frame.history.forEach(addLine);
      setStatus("");
      body.dataset.ready = "1";
    } else if (frame.type === "line") {
      addLine(frame);
    } else if (frame.type === "notice") {
      showPanel(false);
      addNotice(frame.text);
    } else if (frame.type === "tickets") {
      renderList(frame.items);
    } else if (frame.type === "ticket") {
      renderTicket(frame.ticket);
    } else if (frame.type === "texts") {
      applyTexts(frame.texts, frame.lang);
    } else if (frame.type === "refused") {
      refused = true;
      addNotice(frame.text);
      setStatus("");
      Array.prototype.forEach.call(form.elements, function (element) {
        element.disabled = true;
      });
      document.getElementById("mine").disabled = true;
    }
  }

  function connect() {
    var url = new URL("web/socket", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = "";
    url.hash = "";
    socket = new WebSocket(url.href);
    socket.addEventListener("open", function () {
      socket.send(JSON.stringify({ type: "hello", identity: identity, lang: lang }));
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", function () {
      body.dataset.ready = "";
      if (refused) {
        return;
      }
      setStatus(texts.reconnecting);
      var wait = Math.min(10000, 500 * Math.pow(2, retries));
      retries += 1;
      setTimeout(connect, wait);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) {
      return;
    }
    if (send({ type: "say", text: text })) {
      input.value = "";
    }
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  // -- "My tickets": a panel in place of the conversation. It only reads; what it does to a
  // ticket goes to the desk as the chat's own commands, and the answer is shown in the chat.
  var mine = document.getElementById("mine");
  var panel = document.getElementById("panel");
  var panelList = document.getElementById("panel-list");
  var panelTicket = document.getElementById("panel-ticket");
  var comment = document.getElementById("ticket-comment");
  var current = null;
  var fileFor = "";

  function showPanel(on) {
    if (panel.hidden === !on) {
      return;
    }
    panel.hidden = !on;
    log.hidden = on;
    mine.setAttribute("aria-expanded", on ? "true" : "false");
    if (on) {
      panelList.replaceChildren();
      panelTicket.hidden = true;
      send({ type: "tickets" });
      document.getElementById("panel-title").focus();
    } else {
      scrollDown();
    }
  }

  function paragraph(className, text) {
    var element = document.createElement("p");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function renderList(items) {
    current = null;
    panelTicket.hidden = true;
    panelList.hidden = false;
    document.getElementById("panel-title").textContent = texts.my_tickets;
    panelList.replaceChildren();
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = texts.no_tickets;
      panelList.appendChild(none);
    }
    items.forEach(function (item) {
      var entry = document.createElement("li");
      entry.className = "panel-item";
      var open = document.createElement("button");
      open.type = "button";
      open.className = "ticket-open";
      open.dataset.reference = item.reference;
      open.textContent = item.reference + " · " + item.subject;
      open.addEventListener("click", function () {
        send({ type: "ticket", reference: item.reference });
      });
      entry.appendChild(open);
      entry.appendChild(paragraph("ticket-status", item.statusName + " – " + item.meaning));
      panelList.appendChild(entry);
    });
  }

  function renderTicket(ticket) {
    current = ticket;
    panelList.hidden = true;
    panelTicket.hidden = false;
    var title = document.getElementById("panel-title");
    title.textContent = ticket.reference + ": " + ticket.subject;
    document.getElementById("ticket-status").textContent =
      ticket.statusName + " – " + ticket.meaning;
    document.getElementById("ticket-description").textContent = ticket.description;
    var thread = document.getElementById("ticket-thread");
    thread.replaceChildren();
    if (!ticket.entries.length) {
      thread.appendChild(paragraph("ticket-text", texts.no_replies));
    }
    ticket.entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "thread-entry " + entry.by;
      var who = entry.by === "you" ? texts.you : entry.by === "desk" ? texts.desk : entry.name;
      item.appendChild(paragraph("thread-who", who + " · " + entry.at.replace("T", " ").slice(0, 16)));
      item.appendChild(paragraph("ticket-text", entry.body));
      thread.appendChild(item);
    });
    document.getElementById("ticket-files").textContent = ticket.files.length
      ? texts.files + ": " + ticket.files.join(", ")
      : "";
    document.getElementById("ticket-close").hidden = !ticket.canClose;
    document.getElementById("ticket-reopen").hidden = !ticket.canReopen;
    title.focus();
  }

  function command(text) {
    if (send({ type: "say", text: text })) {
      showPanel(false);
    }
  }

  mine.addEventListener("click", function () {
    showPanel(panel.hidden);
  });
  document.getElementById("panel-back").addEventListener("click", function () {
    if (current !== null) {
      send({ type: "tickets" });
    } else {
      showPanel(false);
      mine.focus();
    }
  });
  document.getElementById("ticket-send").addEventListener("click", function () {
    var text = comment.value.trim();
    if (current !== null && text) {
      comment.value = "";
      command(current.reference + " " + text);
    }
  });
  document.getElementById("ticket-close").addEventListener("click", function () {
    command("close " + current.reference);
  });
  document.getElementById("ticket-reopen").addEventListener("click", function () {
    command("reopen " + current.reference);
  });
  document.getElementById("ticket-attach").addEventListener("click", function () {
    fileFor = current.reference;
    fileInput.click();
  });
  document.getElementById("attach").addEventListener("click", function () {
    fileFor = "";
    fileInput.click();
  });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    fileInput.value = "";
    if (!file) {
      return;
    }
    var header = { type: "file", name: file.name, contentType: file.type, size: file.size };
    if (fileFor) {
      header.text = fileFor; // the ticket it is for: the desk adds it there
      fileFor = "";
      showPanel(false);
    }
    // above the limit only the header goes: the desk answers with its own message
    if (send(header) && file.size <= fileLimit) {
      socket.send(file);
    }
  });
  function closeFrame() {
    window.parent.postMessage("chatdesk:close", "*");
  }
  document.getElementById("close").addEventListener("click", closeFrame);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && body.dataset.embed === "1") {
      closeFrame();
    }
  });

  connect();
})();
