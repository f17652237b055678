// Plaza's service worker: shows a notice pushed to this browser (Web Push)
// and opens the notice's page when the notification is clicked, or, with
// its "stop" action, the follower's signed unsubscribe page (which asks
// before it stops: a service worker cannot POST with a CSRF token), or
// with its "settings" action the follower's signed preferences page.
// Served at /sw.js so that its scope is the whole site.
'use strict';

self.addEventListener('push', function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { title: event.data ? event.data.text() : '' };
  }
  var title = data.title || 'Plaza';
  var options = {
    body: data.body || '',
    tag: data.tag || undefined,
    renotify: !!data.tag,
    data: { url: data.url || '/', unsubscribe: data.unsubscribe || '', preferences: data.preferences || '' }
  };
  var actions = [];
  if (data.unsubscribe && data.stop) {
    actions.push({ action: 'stop', title: data.stop });
  }
  if (data.preferences && data.settings) {
    actions.push({ action: 'settings', title: data.settings });
  }
  if (actions.length) {
    options.actions = actions;
  }
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = data.url || '/';
  if (event.action === 'stop' && data.unsubscribe) {
    event.waitUntil(self.clients.openWindow(data.unsubscribe));
    return;
  }
  if (event.action === 'settings' && data.preferences) {
    event.waitUntil(self.clients.openWindow(data.preferences));
    return;
  }
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === url && 'focus' in list[i]) {
        return list[i].focus();
      }
    }
    return self.clients.openWindow(url);
  }));
});
