// Reading time: while a lesson is visible, tell the server every 30 seconds. The server meters the time against
// one clock per learner, so a reload or a second tab never counts the same seconds twice. Without JavaScript,
// only page views are counted.
(function () {
  var root = document.querySelector('[data-heartbeat-url]');
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!root || !tokenMeta || !window.fetch) return;
  var url = root.getAttribute('data-heartbeat-url');
  var token = tokenMeta.getAttribute('content');
  function beat(leaving) {
    if (!leaving && document.visibilityState !== 'visible') return;
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: true,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token, Accept: 'application/json' },
      body: '{}',
    }).catch(function () {});
  }
  setInterval(function () {
    beat(false);
  }, 30000);
  document.addEventListener('visibilitychange', function () {
    // The seconds read just before leaving the tab count too.
    if (document.visibilityState === 'hidden') beat(true);
  });
})();
