// Offline attendance: the service worker (served by programs.offline at /programs/sw.js, scope
// /programs/; `self.OFFLINE_SW` is prepended there with the addresses it needs).
//
// - Keeps "My sessions" and the rosters of the trainer's sessions (today to 7 days ahead, from
//   GET /api/v1/sessions/mine/) in Cache Storage, with the static files they use, and serves
//   them when the network does not answer. Pages are always asked from the network first.
// - Sends the saves kept in IndexedDB (offline-store.js) on Background Sync.
// - Pages are kept encrypted with the phone's data key (offline-store.js): a copy in Cache
//   Storage is `IV || AES-GCM(html)` with a header "X-Offline-Sealed"; without the sign-in's key
//   (signed out, sign-in expired) a copy can neither be kept nor served.
// - Forgets everything on a "forget" message (sign-out) and a session's roster when the
//   session is no longer in the trainer's list.
/* global OfflineStore */
"use strict";

var CONFIG = self.OFFLINE_SW || {};
importScripts(CONFIG.store || "/static/programs/offline-store.js");
OfflineStore.configure(CONFIG);

// v2: encrypted; the v1 cache (pages in clear) is deleted on activation.
var PAGES = OfflineStore.CACHE_PREFIX + "pages-v2";
var SEALED_HEADER = "X-Offline-Sealed";
var ASSETS = OfflineStore.CACHE_PREFIX + "assets-v1";
var KEEP = [PAGES, ASSETS];
var SYNC_TAG = "offline-attendance";
// A page that has not answered after this long is served from the phone (weak signal).
var NETWORK_WAIT_MS = 4000;
// The sessions list is asked for at most this often, unless a page insists.
var REFRESH_EVERY_MS = 5 * 60 * 1000;
var STATIC_URL = CONFIG.staticUrl || "/static/";
var ROSTER = new RegExp(
  "^" +
    (CONFIG.roster || "/programs/sessions/{id}/roster/")
      .split("{id}")
      .map(function (part) {
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("(\\d+)") +
    "$"
);
// Bumped by "forget": a refresh that started before must not write into the emptied cache.
var generation = 0;
var refreshing = null;

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

function rosterId(pathname) {
  var match = ROSTER.exec(pathname);
  return match ? Number(match[1]) : null;
}

function isPage(pathname) {
  return pathname === CONFIG.mySessions || rosterId(pathname) !== null;
}

// Signed out (sent to the sign-in page), or the page is not the trainer's (any more).
function notHis(response) {
  return response.type === "opaqueredirect" || response.status === 403 || response.status === 404;
}

function pageKey(pathname) {
  return new URL(pathname, self.location.origin).href;
}

// The copy kept on the phone says when it was taken (<html data-offline-copy="ms">), so the page
// knows it is a copy and that its form's token may be old.
function keepCopy(pathname, response, expected) {
  if (!response || response.status !== 200 || response.type !== "basic") {
    return Promise.resolve(false);
  }
  return response.text().then(function (html) {
    if (generation !== expected) {
      return false;
    }
    var token = OfflineStore.tokenFrom(html);
    var assets = [];
    html.replace(/(?:src|href)="([^"]+)"/g, function (whole, href) {
      if (href.indexOf(STATIC_URL) === 0) {
        assets.push(href.replace(/&amp;/g, "&"));
      }
      return whole;
    });
    var copy = html.replace(/<html(\s|>)/i, '<html data-offline-copy="' + Date.now() + '"$1');
    var headers = new Headers(response.headers);
    // The text is already decoded: a copy must not claim to be compressed (the roster is).
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    headers.set(SEALED_HEADER, "1");
    return OfflineStore.dataKey()
      .then(function (key) {
        if (!key || generation !== expected) {
          throw new Error("no key: the page is not kept");
        }
        return Promise.all([OfflineStore.sealText(key, copy), caches.open(PAGES)]);
      })
      .then(function (values) {
        var kept = new Response(values[0], { status: 200, statusText: "OK", headers: headers });
        return values[1].put(pageKey(pathname), kept);
      })
      .then(function () {
        return Promise.all([
          token ? OfflineStore.setMeta("csrf", token) : null,
          keepAssets(assets, expected),
        ]);
      })
      .then(
        function () {
          return true;
        },
        function () {
          return false;
        }
      );
  });
}

// The copy kept on the phone, decrypted; null without one or without the sign-in's key.
function cachedPage(pathname) {
  // caches.match with a cacheName, not caches.open: reading must not create the cache again
  // after a sign-out or a lockdown erased it.
  return caches
    .match(pageKey(pathname), { cacheName: PAGES, ignoreVary: true, ignoreSearch: true })
    .then(function (kept) {
      if (!kept || kept.headers.get(SEALED_HEADER) !== "1") {
        return null;
      }
      return Promise.all([OfflineStore.dataKey(), kept.arrayBuffer()]).then(function (values) {
        if (!values[0]) {
          return null;
        }
        return OfflineStore.unsealText(values[0], values[1]).then(function (html) {
          var headers = new Headers(kept.headers);
          headers.delete(SEALED_HEADER);
          headers.delete("Content-Length");
          headers.delete("Content-Encoding");
          return new Response(html, { status: 200, statusText: "OK", headers: headers });
        });
      });
    })
    .catch(function () {
      return null;
    });
}

function dropPage(pathname) {
  return caches.has(PAGES).then(function (exists) {
    return exists
      ? caches.open(PAGES).then(function (cache) {
          return cache.delete(pageKey(pathname));
        })
      : false;
  });
}

// Whether this roster belongs to the trainer's list (only those are kept).
function keepable(pathname) {
  var id = rosterId(pathname);
  if (id === null) {
    return OfflineStore.getMeta("user").then(Boolean);
  }
  return OfflineStore.session(id).then(Boolean);
}

// Network first; the phone's copy when the network fails or is too slow. A page that now
// answers "not yours" (403/404) or sends to the sign-in page is dropped from the phone.
function page(event, url) {
  var pathname = url.pathname;
  var expected = generation;
  var network = fetch(event.request).then(function (response) {
    // A busy server (or a proxy on a weak link) may fail once: one more try after a moment.
    if (response.status < 500) {
      return response;
    }
    return new Promise(function (resolve) {
      setTimeout(resolve, 500);
    }).then(function () {
      return fetch(event.request).catch(function () {
        return response;
      });
    });
  });
  var kept = network.then(function (response) {
    if (OfflineStore.wipeSignalled(response)) {
      generation += 1;
      return OfflineStore.wipe();
    }
    if (response.status === 200 && !url.search) {
      // Cloned now, before the page starts reading the body.
      var copy = response.clone();
      return keepable(pathname).then(function (yes) {
        return yes ? keepCopy(pathname, copy, expected) : false;
      });
    }
    if (notHis(response)) {
      return dropPage(pathname);
    }
    return null;
  });
  event.waitUntil(kept.catch(function () {}));

  return networkOr(network, function () {
    return cachedPage(pathname);
  });
}

// The network's answer; the phone's copy when the network fails, or has not answered after
// NETWORK_WAIT_MS and a copy exists.
function networkOr(network, copy) {
  return new Promise(function (resolve) {
    var done = false;
    function answer(response) {
      if (!done && response) {
        done = true;
        resolve(response);
      }
    }
    var timer = setTimeout(function () {
      copy().then(answer);
    }, NETWORK_WAIT_MS);
    network.then(
      function (response) {
        clearTimeout(timer);
        answer(response);
      },
      function () {
        clearTimeout(timer);
        copy().then(function (kept) {
          answer(kept || Response.error());
        });
      }
    );
  });
}

// Static files: network first too (they are few and small), the phone's copy when offline.
function asset(event) {
  var request = event.request;
  var network = fetch(request);
  // Registered first, so the copy is cloned before the page reads the body.
  var kept = network.then(function (response) {
    if (response.status !== 200 || response.type !== "basic") {
      return null;
    }
    var copy = response.clone();
    return caches.open(ASSETS).then(function (cache) {
      return cache.put(request.url, copy);
    });
  });
  event.waitUntil(kept.catch(function () {}));
  return networkOr(network, function () {
    return caches.open(ASSETS).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true });
    });
  });
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(OfflineStore.CACHE_PREFIX) === 0 && KEEP.indexOf(name) < 0;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (!sameOrigin(url)) {
    return;
  }
  if (request.mode === "navigate" && isPage(url.pathname)) {
    event.respondWith(page(event, url));
  } else if (url.pathname.indexOf(STATIC_URL) === 0) {
    event.respondWith(asset(event));
  }
});

function fetchPage(pathname, expected) {
  return fetch(pathname, {
    signal: OfflineStore.timeoutSignal(),
    credentials: "same-origin",
    redirect: "manual",
    cache: "no-store",
  }).then(
    function (response) {
      if (response.status === 200) {
        return keepCopy(pathname, response, expected);
      }
      if (notHis(response)) {
        return dropPage(pathname).then(function () {
          return false;
        });
      }
      return false;
    },
    function () {
      return false;
    }
  );
}

function keepAssets(urls, expected) {
  var wanted = {};
  (urls || []).forEach(function (href) {
    var url = new URL(href, self.location.origin);
    if (sameOrigin(url) && url.pathname.indexOf(STATIC_URL) === 0) {
      wanted[url.href] = true;
    }
  });
  return caches.open(ASSETS).then(function (cache) {
    return Promise.all(
      Object.keys(wanted).map(function (href) {
        return cache.match(href, { ignoreVary: true }).then(function (hit) {
          if (hit) {
            return null;
          }
          return fetch(href, { credentials: "same-origin" }).then(
            function (response) {
              var wanted = response.status === 200 && generation === expected;
              return wanted ? cache.put(href, response) : null;
            },
            function () {
              return null;
            }
          );
        });
      })
    );
  });
}

// Ask the server for the trainer's sessions (one request; their rosters' marks come with it) and
// drop the rosters of sessions no longer listed (access ended). Pages are fetched only when the
// phone has no copy yet, one at a time: a copy is renewed whenever the trainer opens the page,
// and the marks shown on a copy are brought up to date from the sessions list.
// Answers which pages the phone holds.
function refresh(message) {
  var expected = generation;
  var user = message.user ? String(message.user) : null;
  var result = { ok: false, signedOut: false, pages: [] };
  var before = [];
  return OfflineStore.getMeta("user")
    .then(function (previous) {
      // Another trainer on this phone: nothing of the previous one's sessions may stay.
      if (user && previous && previous !== user) {
        return OfflineStore.forget(false).then(clearPages);
      }
      return null;
    })
    .then(OfflineStore.sessions)
    .then(function (known) {
      before = known.map(function (item) {
        return item.id;
      });
      return fetch(OfflineStore.url("mine"), {
        signal: OfflineStore.timeoutSignal(),
        credentials: "same-origin",
        redirect: "manual",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
    })
    .then(function (response) {
      if (OfflineStore.wipeSignalled(response)) {
        // Lockdown: erase everything (the rosters, the saves not sent, the pages).
        result.signedOut = true;
        generation += 1;
        return OfflineStore.wipe().then(function () {
          return null;
        });
      }
      var signedOut = response.type === "opaqueredirect" || response.status === 401;
      if (signedOut || response.status === 403) {
        result.signedOut = true;
        return forgetRosters().then(function () {
          return null;
        });
      }
      if (response.status !== 200) {
        return null;
      }
      return response.json();
    })
    .then(function (list) {
      if (generation !== expected || result.signedOut) {
        return null;
      }
      if (!Array.isArray(list)) {
        // No list (the server cannot say now): keep at least the page being looked at.
        var own = [CONFIG.mySessions];
        if (message.page && isPage(message.page) && own.indexOf(message.page) < 0) {
          own.push(message.page);
        }
        return (user ? OfflineStore.setMeta("user", user) : Promise.resolve()).then(function () {
          return keepMissing(own, [], expected);
        });
      }
      result.ok = true;
      var ids = {};
      list.forEach(function (item) {
        ids[item.id] = true;
      });
      var changed =
        before.length !== list.length ||
        before.some(function (id) {
          return !ids[id];
        });
      return OfflineStore.replaceSessions(list, user)
        .then(function () {
          return caches.open(PAGES);
        })
        .then(function (cache) {
          return cache.keys().then(function (requests) {
            return Promise.all(
              requests.map(function (request) {
                var id = rosterId(new URL(request.url).pathname);
                return id !== null && !ids[id] ? cache.delete(request) : null;
              })
            );
          });
        })
        .then(function () {
          var rosters = list.map(function (item) {
            return OfflineStore.url("roster", item.id);
          });
          // "My sessions" again when the list of sessions changed.
          var renew = changed ? [CONFIG.mySessions] : [];
          return keepMissing([CONFIG.mySessions].concat(rosters), renew, expected);
        });
    })
    .then(function () {
      return result.signedOut ? null : keepAssets(message.assets, expected);
    })
    .then(function () {
      return caches.has(PAGES);
    })
    .then(function (exists) {
      return exists && generation === expected
        ? caches.open(PAGES).then(function (cache) {
            return cache.keys();
          })
        : [];
    })
    .then(
      function (requests) {
        result.pages = requests.map(function (request) {
          return new URL(request.url).pathname;
        });
        return result;
      },
      function (error) {
        result.error = String(error);
        return result;
      }
    );
}

// Fetch, one after the other, the pages the phone has no copy of (and those in `renew`).
function keepMissing(paths, renew, expected) {
  return paths.reduce(function (previous, pathname) {
    return previous.then(function () {
      if (generation !== expected) {
        return null;
      }
      return cachedPage(pathname).then(function (copy) {
        return copy && renew.indexOf(pathname) < 0 ? null : fetchPage(pathname, expected);
      });
    });
  }, Promise.resolve());
}

function clearPages() {
  return caches.delete(PAGES);
}

function forgetRosters() {
  return Promise.all([clearPages(), OfflineStore.forget(false)]);
}

function refreshOnce(message) {
  if (!refreshing) {
    refreshing = refresh(message).then(
      function (result) {
        refreshing = null;
        return result;
      },
      function (error) {
        refreshing = null;
        throw error;
      }
    );
  }
  return refreshing;
}

function maybeRefresh(message) {
  if (message.force) {
    return refreshOnce(message);
  }
  var asked = message.page && isPage(message.page) ? message.page : null;
  var known = [OfflineStore.getMeta("refreshed"), asked ? cachedPage(asked) : null];
  return Promise.all(known).then(function (values) {
    var recent = values[0] && Date.now() - values[0] < REFRESH_EVERY_MS;
    if (recent && (!asked || values[1])) {
      return { ok: true, pages: asked ? [asked] : [], skipped: true };
    }
    return refreshOnce(message);
  });
}

function tellPages(message) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) {
      client.postMessage(message);
    });
  });
}

// Send the saves waiting on the phone (one sender at a time: offline-store.js takes a lock).
// The pages ask the worker to send rather than sending themselves, so that every send goes the
// same way (Background Sync too).
function sendSaves(options, keepAlive) {
  return OfflineStore.send(options).then(function (result) {
    keepAlive(tellPages({ type: "offline-attendance-sent", result: result }));
    if (result.sent.length) {
      // The copies on the phone now say what the server holds.
      keepAlive(refreshOnce({ force: true, user: options.user }));
    }
    return result;
  });
}

function keeper(event) {
  return function (promise) {
    event.waitUntil(promise.catch(function () {}));
  };
}

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) {
    event.waitUntil(
      sendSaves({}, keeper(event)).then(function (result) {
        // Background Sync tries again later when the promise fails.
        if (result.stopped === "network" || result.stopped === "retry") {
          throw new Error("saves not sent yet");
        }
      })
    );
  }
});

self.addEventListener("message", function (event) {
  var message = event.data || {};
  var port = event.ports && event.ports[0];
  var work;
  if (message.kek && !self.cookieStore) {
    OfflineStore.giveKek(message.kek); // memory only, for a browser without the Cookie Store API
  }
  if (message.type === "refresh") {
    work = maybeRefresh(message);
  } else if (message.type === "send") {
    var options = { user: message.user ? String(message.user) : null, token: message.token || "" };
    work = sendSaves(options, keeper(event));
  } else if (message.type === "forget") {
    generation += 1;
    var forgotten = [OfflineStore.clearCaches(), OfflineStore.forget(Boolean(message.everything))];
    work = Promise.all(forgotten).then(function () {
      return { ok: true };
    });
  } else {
    return;
  }
  event.waitUntil(
    work.then(
      function (result) {
        if (port) {
          port.postMessage(result);
        }
      },
      function (error) {
        if (port) {
          port.postMessage({ ok: false, error: String(error) });
        }
      }
    )
  );
});
