// "Get notifications in this browser": shown only where the browser has
// service workers and PushManager; registers /sw.js, subscribes with the
// instance's VAPID key and posts the subscription to the account's
// /@handle/follow/webpush. The page works as before without it.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return;
  }

  function keyBytes(b64) {
    var pad = '='.repeat((4 - b64.length % 4) % 4);
    var raw = atob((b64 + pad).replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || '';
    } catch (e) {
      return '';
    }
  }

  function say(box, key) {
    var status = box.querySelector('[data-push-status]');
    if (status) {
      status.textContent = box.getAttribute('data-msg-' + key) || '';
    }
  }

  // choices reads the follow form's topics and "where" as the server
  // reads the posted form; null when the page has no form.
  function choices(box) {
    var form = box.getAttribute('data-form') && document.getElementById(box.getAttribute('data-form'));
    if (!form) {
      return null;
    }
    var out = { topics: [] };
    // The follow code whose page this is (a scanned poster): the
    // follow is the code's, as by e-mail.
    var code = form.querySelector('input[name="code"]');
    if (code && code.value) {
      out.code = code.value;
    }
    form.querySelectorAll('input[name="topics"]:checked').forEach(function (el) {
      out.topics.push(el.value);
    });
    var mode = form.querySelector('input[name="area_mode"]:checked');
    if (mode) {
      var area = { mode: mode.value, districts: [], lat: null, lon: null };
      form.querySelectorAll('input[name="area_district"]:checked').forEach(function (el) {
        var id = parseInt(el.value, 10);
        if (!isNaN(id)) {
          area.districts.push(id);
        }
      });
      ['lat', 'lon'].forEach(function (k) {
        var el = form.querySelector('input[name="place_' + k + '"]');
        var v = el && el.value.trim() !== '' ? Number(el.value) : NaN;
        area[k] = isFinite(v) ? v : null;
      });
      out.area = area;
    }
    return out;
  }

  function subscribe(box, button) {
    button.disabled = true;
    say(box, 'working');
    Notification.requestPermission().then(function (perm) {
      if (perm !== 'granted') {
        throw new Error('denied');
      }
      return navigator.serviceWorker.register('/sw.js', { scope: '/' });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.getSubscription().then(function (existing) {
        return existing || reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute('data-key'))
        });
      });
    }).then(function (sub) {
      var body = { subscription: sub.toJSON(), language: box.getAttribute('data-lang') || '' };
      var chosen = choices(box);
      if (chosen) {
        body.topics = chosen.topics;
        if (chosen.code) {
          body.code = chosen.code;
        }
        if (chosen.area) {
          body.area = chosen.area;
        }
      }
      return fetch(box.getAttribute('data-action'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
        body: JSON.stringify(body)
      });
    }).then(function (res) {
      if (res.status === 422) {
        // A choice in the form the server refused: say which.
        return res.json().then(function (out) {
          var fields = (out && out.fields) || {};
          var first = Object.keys(fields)[0];
          var err = new Error('invalid');
          err.text = first ? fields[first] : '';
          throw err;
        });
      }
      if (!res.ok) {
        throw new Error('refused');
      }
      say(box, 'done');
    }).catch(function (err) {
      button.disabled = false;
      if (err && err.message === 'invalid' && err.text) {
        var status = box.querySelector('[data-push-status]');
        if (status) {
          status.textContent = err.text;
        }
        return;
      }
      say(box, err && err.message === 'denied' ? 'denied' : 'failed');
    });
  }

  document.querySelectorAll('[data-webpush]').forEach(function (box) {
    var button = box.querySelector('button');
    if (!button || !box.getAttribute('data-key')) {
      return;
    }
    box.hidden = false;
    button.addEventListener('click', function () {
      subscribe(box, button);
    });
  });
}());
