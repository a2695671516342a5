// The public vote's proof of work: find a nonce so that sha256(challenge + nonce) starts with
// `difficulty` zero bits, then submit the form. Our own script; no outside service.
(function () {
  "use strict";
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { bits += 1; b <<= 1; }
      return bits;
    }
    return bits;
  }
  async function solve(challenge, difficulty) {
    var encoder = new TextEncoder();
    for (var n = 0; ; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + n));
      if (zeroBits(new Uint8Array(digest)) >= difficulty) { return String(n); }
    }
  }
  document.querySelectorAll("form.vote-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var nonce = form.querySelector("input[name=nonce]");
      if (nonce.value) { return; }
      event.preventDefault();
      var button = form.querySelector("button");
      var progress = form.querySelector(".vote-progress");
      button.disabled = true;
      if (progress) { progress.hidden = false; }
      solve(form.dataset.challenge, parseInt(form.dataset.difficulty, 10)).then(function (found) {
        nonce.value = found;
        form.submit();
      });
    });
  });
})();
