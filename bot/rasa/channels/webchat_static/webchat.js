// Patient web chat. All message text is inserted with textContent, never as HTML.
(function () {
  "use strict";

  var site = document.body.dataset;
  var log = document.getElementById("log");
  var banners = document.getElementById("banners");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var sendButton = form.querySelector(".send");
  var typing = document.getElementById("typing");
  var composerError = document.getElementById("composer-error");
  var maxChars = parseInt(site.maxChars, 10) || 5000;
  var busy = false;
  var sender = senderId();
  var token = linkToken();

  // A personal link's token (/webhooks/webchat/#t=...): kept for this tab and taken out of the
  // address bar; the fragment never reaches a server, the token goes with every message.
  function linkToken() {
    var key = "iar-webchat-link";
    var match = /[#&]t=([A-Za-z0-9_.-]+)/.exec(window.location.hash);
    if (match) {
      try { window.sessionStorage.setItem(key, match[1]); } catch (e) { /* memory only */ }
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
      return match[1];
    }
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  }

  // A random id for this browser tab's conversation (getRandomValues also works over plain HTTP).
  function senderId() {
    var key = "iar-webchat-sender";
    try {
      var saved = window.sessionStorage.getItem(key);
      if (saved) { return saved; }
    } catch (e) { /* storage blocked: keep the id in memory */ }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var id = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    try { window.sessionStorage.setItem(key, id); } catch (e) { /* ignore */ }
    return id;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function addMessage(who, text) {
    var item = el("div", "msg msg-" + who);
    var bubble = el("p", "bubble");
    var speaker = { bot: "Assistant: ", user: "You: ", error: "Problem: " }[who];
    bubble.appendChild(el("span", "visually-hidden", speaker));
    bubble.appendChild(document.createTextNode(text));
    item.appendChild(bubble);
    log.appendChild(item);
    // a long reply is read from its start; the rest of the conversation from its end
    item.scrollIntoView({ block: who === "bot" ? "start" : "end" });
    return item;
  }

  function addChoices(item, buttons) {
    var group = el("div", "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose an answer");
    buttons.forEach(function (b) {
      var button = el("button", "", b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        if (busy) { return; }
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) {
          other.disabled = true;
        });
        button.setAttribute("aria-pressed", "true");
        send(b.payload, b.title);
        input.focus();
      });
      group.appendChild(button);
    });
    item.appendChild(group);
  }

  function callLink(tel, label) {
    var a = el("a", "call", label);
    a.href = tel;
    return a;
  }

  // A red (emergency) or amber (urgent) banner that stays at the top of the chat.
  function showBanner(disposition) {
    var current = banners.firstElementChild;
    if (current && current.dataset.disposition === "emergency" && disposition !== "emergency") {
      return;
    }
    var banner = el("div", "banner banner-" + disposition);
    banner.dataset.disposition = disposition;
    banner.setAttribute("role", "alert");
    if (disposition === "emergency") {
      banner.appendChild(el("p", "", "Emergency: call " + site.emergencyNumber + " now."));
      banner.appendChild(callLink(site.emergencyTel, "Call " + site.emergencyNumber));
    } else {
      banner.appendChild(el("p", "", "Urgent: call the trial team at " + site.siteName +
        " today on " + site.sitePhone + ". " + site.onCall));
      banner.appendChild(callLink(site.siteTel, "Call " + site.sitePhone));
    }
    banners.replaceChildren(banner);
  }

  function render(messages) {
    messages.forEach(function (m) {
      if (m.text) {
        var item = addMessage("bot", m.text);
        if (Array.isArray(m.buttons) && m.buttons.length) { addChoices(item, m.buttons); }
      }
      var triage = m.custom && m.custom.triage;
      if (triage && (triage.disposition === "emergency" || triage.disposition === "urgent")) {
        showBanner(triage.disposition);
      }
    });
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    sendButton.setAttribute("aria-disabled", value ? "true" : "false");
  }

  function send(message, shown) {
    addMessage("user", shown || message);
    setBusy(true);
    fetch("webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(token ? { sender: sender, message: message, token: token }
                                 : { sender: sender, message: message })
    }).then(function (response) {
      // 429: over the rate limit; its body is the reply to show
      if (!response.ok && response.status !== 429) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(render).catch(function () {
      addMessage("error", "I couldn't reach the assistant. Please check your connection and " +
        "try again. In an emergency call " + site.emergencyNumber + ".");
    }).then(function () { setBusy(false); });
  }

  function showError(text) {
    composerError.textContent = text;
    composerError.hidden = !text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (busy) { return; }
    if (!text) { showError("Please type a message first."); input.focus(); return; }
    if (text.length > maxChars) {
      showError("Please keep your message under " + maxChars + " characters.");
      input.focus();
      return;
    }
    showError("");
    input.value = "";
    send(text);
    input.focus();
  });

  // On a personal link, greet the person (never with their study ID) or say the link is dead.
  if (token) {
    fetch("link", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token })
    }).then(function (response) { return response.json(); }).then(function (reply) {
      addMessage(reply.bound ? "bot" : "error", reply.text);
    }).catch(function () { /* the first message will say */ });
  }

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : sendButton.click();
    }
  });
}());
