// The poster's "Print poster" button: hidden in the markup, shown only when this script runs,
// so without JavaScript nobody sees a button that does nothing (the browser's Print still works).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
