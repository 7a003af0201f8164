// Keeps every SLA countdown on the page current: each element with a `data-due` (an ISO
// time) reads "due in 4 min" or "overdue 12 min", worded as routing/templatetags/sla.py
// words it on the server (the page reads right without this script, as of its rendering).
(function () {
  "use strict";

  function span(minutes) {
    if (minutes < 60) {
      return minutes + " min";
    }
    if (minutes < 48 * 60) {
      var hours = Math.floor(minutes / 60);
      var rest = minutes % 60;
      return rest ? hours + " h " + rest + " min" : hours + " h";
    }
    var days = Math.floor(minutes / (24 * 60));
    var dayHours = Math.floor((minutes % (24 * 60)) / 60);
    return dayHours ? days + " d " + dayHours + " h" : days + " d";
  }

  function countdown(due, now) {
    var seconds = (due - now) / 1000;
    if (seconds >= 0) {
      return "due in " + span(Math.ceil(seconds / 60));
    }
    return "overdue " + span(Math.max(1, Math.floor(-seconds / 60)));
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-due"));
      if (!isNaN(due)) {
        element.textContent = countdown(due, now);
      }
    });
  }

  tick();
  window.setInterval(tick, 5000);
})();
