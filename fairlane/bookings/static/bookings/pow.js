// Proof of work for forms marked data-pow-form (see fairlane/core/pow.py).
//
// On submit: fetch a fresh challenge (the one in the page may be older than its few minutes
// of validity), find the number n with SHA-256(salt + n) == challenge, put the ALTCHA v1
// payload into the hidden field, then send the form. Takes well under a second.
"use strict";

(function () {
  var BATCH = 500; // digests in flight at once: crypto.subtle is asynchronous

  function toHex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  async function solve(challenge) {
    var encoder = new TextEncoder();
    for (var start = 0; start <= challenge.maxnumber; start += BATCH) {
      var end = Math.min(start + BATCH - 1, challenge.maxnumber);
      var pending = [];
      for (var n = start; n <= end; n++) {
        pending.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      var digests = await Promise.all(pending);
      for (var i = 0; i < digests.length; i++) {
        if (toHex(digests[i]) === challenge.challenge) {
          return start + i;
        }
      }
    }
    return null;
  }

  async function freshChallenge(form) {
    try {
      var response = await fetch(form.dataset.powUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        return await response.json();
      }
    } catch (error) {
      // Offline for a moment: the challenge in the page may still be valid.
    }
    return JSON.parse(form.dataset.powChallenge);
  }

  function payload(challenge, number) {
    return btoa(
      JSON.stringify({
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        number: number,
        salt: challenge.salt,
        signature: challenge.signature,
      })
    );
  }

  function attach(form) {
    var field = form.querySelector("[data-pow-field]");
    var status = form.querySelector("[data-pow-status]");
    var buttons = form.querySelectorAll("button[type=submit]");
    var solved = false;

    function busy(on, message) {
      buttons.forEach(function (button) {
        button.disabled = on;
      });
      if (status) {
        status.textContent = message || "";
      }
    }

    form.addEventListener("submit", async function (event) {
      if (solved) {
        return; // the second, real submit below
      }
      event.preventDefault();
      busy(true, form.dataset.powChecking);
      try {
        var challenge = await freshChallenge(form);
        var number = await solve(challenge);
        if (number === null) {
          throw new Error("no solution");
        }
        field.value = payload(challenge, number);
        solved = true;
        busy(false, "");
        form.submit();
      } catch (error) {
        busy(false, form.dataset.powFailed);
      }
    });
  }

  if (!window.crypto || !window.crypto.subtle) {
    return; // not a secure context: the server explains what went wrong
  }
  document.querySelectorAll("form[data-pow-form]").forEach(attach);
})();
