// The check-in and check-out buttons of the attendee's meeting page: ask the phone for a fresh,
// precise position, put it in the form's hidden fields and post it. The server decides the rest.
(function () {
  "use strict";

  var GEO_OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 };
  var MESSAGES = {
    unsupported: "This browser cannot share its location. Use your phone's usual browser, or ask your case manager.",
    working: "Finding your position… keep this page open.",
    sending: "Sending…",
    1: "Location permission is off, so nothing was recorded. Allow location for this site in your browser's settings, then press the button again.",
    2: "Your phone could not work out its position, so nothing was recorded. Turn on location (GPS), move near a window or outdoors, and try again.",
    other: "Something went wrong while finding your position. Try again."
  };

  function setUp(form) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-geo-status]");
    var fields = form.elements;
    if (!navigator.geolocation || !window.crypto || !window.crypto.randomUUID) {
      status.textContent = MESSAGES.unsupported;
      return;
    }
    // Once per page load: a second tap or a retry of the same post reuses it, and the server
    // answers with the event it already stored instead of recording a second one.
    fields.event_id.value = window.crypto.randomUUID();
    var sent = false;
    button.disabled = false;

    function send(timedOut) {
      sent = true;
      fields.ts_client.value = new Date().toISOString();
      fields.gps_timeout.value = timedOut ? "1" : "";
      status.textContent = MESSAGES.sending;
      form.submit(); // does not fire "submit" again
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sent || button.disabled) {
        return;
      }
      button.disabled = true;
      status.textContent = MESSAGES.working;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          fields.lat.value = position.coords.latitude;
          fields.lng.value = position.coords.longitude;
          fields.accuracy.value = position.coords.accuracy;
          send(false);
        },
        function (error) {
          if (error.code === 3) {
            // TIMEOUT: recorded as a check-in without a position, as the rules intend.
            fields.lat.value = fields.lng.value = fields.accuracy.value = "";
            send(true);
            return;
          }
          status.textContent = MESSAGES[error.code] || MESSAGES.other;
          button.disabled = false;
        },
        GEO_OPTIONS
      );
    });
  }

  document.querySelectorAll("form[data-geolocate]").forEach(setUp);
})();
