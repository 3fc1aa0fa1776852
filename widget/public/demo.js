// The demo page talks to the widget only through window.Warmline, as a host site would.
document.getElementById('open-chat').addEventListener('click', function () {
  if (window.Warmline) window.Warmline.open();
});
