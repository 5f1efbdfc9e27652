// Live preview: a moved slider shows its value and asks for the preview at once (the buttons work without it).
(function () {
  var form = document.getElementById('settings-form');
  var preview = document.getElementById('preview');
  if (!form || !preview) return;
  form.querySelectorAll('input[type=range]').forEach(function (input) {
    var out = form.querySelector('output[for="' + input.id + '"]');
    input.addEventListener('input', function () { if (out) out.textContent = input.value; });
    input.addEventListener('change', function () { form.requestSubmit(preview); });
  });
})();
