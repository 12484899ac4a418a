// Rampart's WebAuthn glue: security keys, passkeys and passkey sign-in.
// The server's JSON endpoints under /-/webauthn/ hand out the options for
// navigator.credentials.create or .get (binary fields in base64url) and
// check the answer; this file only converts and posts. No inline script:
// the Content-Security-Policy allows script from this origin only.
"use strict";
(function () {
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function showError(msg) {
    var el = document.getElementById("webauthn-error");
    if (el) { el.textContent = msg; el.hidden = false; } else { alert(msg); }
  }
  // The site's path prefix when it is served under one (public_url with a
  // path): the server fills data-base in every page.
  var base = document.documentElement.getAttribute("data-base") || "";
  function local(path) {
    return path.charAt(0) === "/" && path.charAt(1) !== "/" ? base + path : path;
  }
  function post(path, body) {
    return fetch(local(path), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data && data.error ? data.error : "request failed (" + res.status + ")");
        return data;
      });
    });
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    pk.user.id = b64uToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    return { publicKey: pk };
  }
  function attestationJSON(c) {
    var r = c.response;
    return {
      id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        clientDataJSON: bufToB64u(r.clientDataJSON),
        attestationObject: bufToB64u(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      }
    };
  }
  function assertionJSON(c) {
    var r = c.response;
    return {
      id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        clientDataJSON: bufToB64u(r.clientDataJSON),
        authenticatorData: bufToB64u(r.authenticatorData),
        signature: bufToB64u(r.signature),
        userHandle: r.userHandle ? bufToB64u(r.userHandle) : undefined
      }
    };
  }
  function go(data) { window.location.assign(local(data.redirect || "/")); }
  function fail(err) { showError(err && err.message ? err.message : String(err)); }

  function signIn(kind, next) {
    return post("/-/webauthn/" + kind + "/begin", {})
      .then(function (o) { return navigator.credentials.get(requestOptions(o)); })
      .then(function (c) { return post("/-/webauthn/" + kind + "/finish", { next: next, credential: assertionJSON(c) }); })
      .then(go, fail);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) {
      showError("This browser does not support security keys or passkeys.");
      return;
    }
    var passkey = document.getElementById("passkey-signin");
    if (passkey) passkey.addEventListener("click", function () { signIn("passkey", passkey.dataset.next || "/"); });
    var confirm = document.getElementById("key-confirm");
    if (confirm) confirm.addEventListener("click", function () { signIn("stepup", confirm.dataset.next || "/"); });
    var key = document.getElementById("security-key-signin");
    if (key) key.addEventListener("click", function () { signIn("mfa", key.dataset.next || "/"); });
    var form = document.getElementById("webauthn-register");
    if (form) form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = form.elements.name.value, kind = form.elements.kind.value;
      post("/-/webauthn/register/begin", { kind: kind })
        .then(function (o) { return navigator.credentials.create(creationOptions(o)); })
        .then(function (c) { return post("/-/webauthn/register/finish", { kind: kind, name: name, credential: attestationJSON(c) }); })
        .then(go, fail);
    });
  });
})();
