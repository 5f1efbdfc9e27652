// Autocomplete for the home place (progressive: the form works without it).
(function () {
  var input = document.querySelector('input[data-places]');
  var list = document.getElementById('places');
  var geo = document.querySelector('input[name=homeGeoId]');
  if (!input || !list) return;
  var byLabel = {};
  var timer;
  input.addEventListener('input', function () {
    if (geo) geo.value = byLabel[input.value] || '';
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2 || byLabel[input.value]) return;
    timer = setTimeout(function () {
      fetch('/places?q=' + encodeURIComponent(q) + '&lang=' + encodeURIComponent(input.getAttribute('data-places')), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.textContent = '';
          items.forEach(function (p) {
            byLabel[p.label] = p.geoId;
            var o = document.createElement('option');
            o.value = p.label;
            list.appendChild(o);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
