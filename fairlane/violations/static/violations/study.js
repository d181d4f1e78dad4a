// The study page's heartbeat (see fairlane/violations/study.py).
//
// While the page is visible, POST the form marked data-study-heartbeat every
// data-interval seconds. The request carries nothing but the CSRF token: the server
// measures the time between two heartbeats itself and answers how much has been studied,
// which is what the page shows. Once the time is complete, reload so the test can start.
"use strict";

(function () {
  var form = document.querySelector("[data-study-heartbeat]");
  if (!form) {
    return;
  }
  var interval = Number(form.dataset.interval || "30") * 1000;
  var required = Number(form.dataset.required || "1800");
  var wasComplete = form.dataset.complete === "1";
  var progress = document.getElementById("study-progress");
  var label = document.getElementById("study-time");
  var errorBox = document.getElementById("study-error");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;

  function show(seconds) {
    var shown = Math.min(seconds, required);
    if (progress) {
      progress.value = shown;
    }
    if (label) {
      label.textContent =
        Math.floor(shown / 60) + " " + label.dataset.minutesLabel + " " +
        (shown % 60) + " " + label.dataset.secondsLabel + " / " +
        Math.floor(required / 60) + " " + label.dataset.minutesLabel;
    }
  }

  function stop(message) {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
    if (errorBox && message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
    }
  }

  async function beat() {
    if (document.hidden) {
      return; // time with the page out of sight does not count
    }
    try {
      var response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": token ? token.value : "",
        },
      });
      var body = await response.json();
      if (!response.ok) {
        stop(body.message);
        return;
      }
      show(body.studied_seconds);
      if (body.complete && !wasComplete) {
        window.location.reload();
      }
    } catch (error) {
      // Offline for a moment: the next heartbeat counts at most one minute of the gap.
    }
  }

  timer = window.setInterval(beat, interval);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      beat();
    }
  });
})();
