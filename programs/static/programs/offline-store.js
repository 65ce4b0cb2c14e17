// Offline attendance: the phone's store (IndexedDB) and the sender of saved rosters.
// Shared by the pages (offline-page.js) and the service worker (offline-sw.js, importScripts):
// no DOM here. See docs/offline-attendance-api.md for the server's side.
//
// IndexedDB "offline-attendance" (version 2: encrypted, issue 20):
//   saves     one row per roster save. In clear only what the queue needs to order and count
//             them: {seq, key (Idempotency-Key), user, session, state: pending|sent|refused,
//             created, sent_at}; the rest (label, marks {person id: status}, marked_at, the
//             server's answer) is in `box`, encrypted.
//   sessions  the trainer's sessions from GET /api/v1/sessions/mine/ (case numbers and
//             preferred names): {id, box}, encrypted, replaced at each refresh
//   meta      {name, value}: "user" (whose data this is), "csrf", "auth" ("needed" after a
//             401/403), "refreshed" (time of the last refresh), "synced" (time the server last
//             answered a refresh or took a save), "datakey" (the data key, wrapped)
//
// Encryption: one random AES-GCM data key per phone encrypts every row's `box` and every page
// kept in Cache Storage (a fresh 12-byte IV each time). It is stored only wrapped (AES-GCM) by
// the key-encryption key (KEK) of the sign-in, which the server gives in a cookie readable by
// scripts (portal/offline_key.py) and which is never written here. Without the cookie (signed
// out, sign-in expired) nothing can be read; a data key wrapped by another sign-in's KEK is
// thrown away with what it encrypts (`check`), unless the server handed the previous KEK over
// because the same user signed in again.
(function (global) {
  "use strict";
  if (global.OfflineStore) {
    return;
  }

  var DB_NAME = "offline-attendance";
  var DB_VERSION = 2;
  var CACHE_PREFIX = "offline-attendance-";
  // Caches of the versions before encryption (pages with names in clear).
  var LEGACY_CACHES = [CACHE_PREFIX + "pages-v1"];
  var DAY_MS = 24 * 60 * 60 * 1000;
  var SETTINGS = { keyCookie: "portal_offline_key", previousKeyCookie: "portal_offline_key_prev", maxDays: 7 };
  // Fields of a save kept in clear (ids, states and times: no name, no mark).
  var CLEAR = ["seq", "key", "user", "session", "state", "created", "sent_at"];
  var subtle = global.crypto && global.crypto.subtle;
  // A worker without the Cookie Store API is given the KEK by the pages (memory only).
  var givenKek = null;
  var keyCache = { kek: null, key: null };
  var SEND_LOCK = "offline-attendance-send";
  var TOKEN_PATTERN = /name="csrfmiddlewaretoken" value="([^"]+)"/;
  var URLS = {
    mine: "/api/v1/sessions/mine/",
    attendance: "/api/v1/sessions/{id}/attendance/",
    mySessions: "/programs/my-sessions/",
    roster: "/programs/sessions/{id}/roster/",
  };
  var opening = null;

  function configure(urls) {
    Object.keys(urls || {}).forEach(function (name) {
      if (!urls[name]) {
        return;
      }
      if (name in SETTINGS) {
        SETTINGS[name] = name === "maxDays" ? Number(urls[name]) : urls[name];
      } else {
        URLS[name] = urls[name];
      }
    });
    return URLS;
  }

  function url(name, id) {
    return URLS[name].replace("{id}", encodeURIComponent(id));
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = global.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function (event) {
          var db = request.result;
          if (event.oldVersion === 1) {
            // Version 1 kept the rosters (names, case numbers) in clear: gone, fetched again.
            // Its saves not yet sent are encrypted at the first opening with a key (`migrate`).
            request.transaction.objectStore("sessions").clear();
          }
          if (!db.objectStoreNames.contains("saves")) {
            db.createObjectStore("saves", { keyPath: "seq", autoIncrement: true }).createIndex(
              "key",
              "key",
              { unique: true }
            );
          }
          if (!db.objectStoreNames.contains("sessions")) {
            db.createObjectStore("sessions", { keyPath: "id" });
          }
          if (!db.objectStoreNames.contains("meta")) {
            db.createObjectStore("meta", { keyPath: "name" });
          }
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () {
            // Another context deletes the database (sign-out, expiry, lockdown): the data key
            // goes with it.
            db.close();
            opening = null;
            keyCache = { kek: null, key: null };
          };
          db.onclose = function () {
            opening = null;
          };
          resolve(db);
        };
        request.onerror = function () {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  // One transaction; `work(stores, out)` issues requests and may set `out.value`.
  function transact(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(names, mode);
        var out = { value: undefined };
        var stores = {};
        names.forEach(function (name) {
          stores[name] = transaction.objectStore(name);
        });
        transaction.oncomplete = function () {
          resolve(out.value);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error);
        };
        work(stores, out);
      });
    });
  }

  function all(storeName) {
    return transact([storeName], "readonly", function (stores, out) {
      stores[storeName].getAll().onsuccess = function (event) {
        out.value = event.target.result;
      };
    });
  }

  function get(storeName, key) {
    return transact([storeName], "readonly", function (stores, out) {
      stores[storeName].get(key).onsuccess = function (event) {
        out.value = event.target.result;
      };
    });
  }

  function getMeta(name) {
    return get("meta", name).then(function (row) {
      return row ? row.value : null;
    });
  }

  function setMeta(name, value) {
    return transact(["meta"], "readwrite", function (stores) {
      if (value === null || value === undefined) {
        stores.meta.delete(name);
      } else {
        stores.meta.put({ name: name, value: value });
      }
    });
  }

  // Saves, oldest first (the auto-increment key keeps the order they were made in). Without
  // the key (signed out) a save comes with its clear fields only and `sealed: true`.
  function saves() {
    return Promise.all([all("saves"), dataKey().catch(nothing)]).then(function (values) {
      var key = values[1];
      return Promise.all(
        values[0].map(function (row) {
          return openSave(key, row);
        })
      ).then(function (rows) {
        return rows.sort(function (a, b) {
          return a.seq - b.seq;
        });
      });
    });
  }

  function addSave(save) {
    return withKey(function (key) {
      return sealSave(key, save);
    })
      .then(function (row) {
        return transact(["saves"], "readwrite", function (stores, out) {
          stores.saves.add(row).onsuccess = function (event) {
            out.value = event.target.result;
          };
        });
      })
      .then(function (seq) {
        save.seq = seq;
        return save;
      });
  }

  function putSave(save) {
    return withKey(function (key) {
      return sealSave(key, save);
    }).then(function (row) {
      return transact(["saves"], "readwrite", function (stores) {
        stores.saves.put(row);
      });
    });
  }

  function deleteSave(seq) {
    return transact(["saves"], "readwrite", function (stores) {
      stores.saves.delete(seq);
    });
  }

  // A save reached the server: keep it as the session's latest "sent", forget older ones.
  function markSent(save, answer) {
    save.state = "sent";
    save.sent_at = Date.now();
    save.changed = answer && typeof answer.changed === "number" ? answer.changed : null;
    save.received_at = answer && answer.received_at ? answer.received_at : null;
    return withKey(function (key) {
      return sealSave(key, save);
    }).then(function (row) {
      return transact(["saves", "meta"], "readwrite", function (stores) {
        stores.saves.getAll().onsuccess = function (event) {
          event.target.result.forEach(function (other) {
            if (other.session === save.session && other.state === "sent" && other.seq < save.seq) {
              stores.saves.delete(other.seq);
            }
          });
          stores.saves.put(row);
        };
        stores.meta.put({ name: "synced", value: Date.now() });
      });
    });
  }

  // The stored sessions, decrypted ([] without the key).
  function sessions() {
    return Promise.all([all("sessions"), dataKey().catch(nothing)]).then(function (values) {
      if (!values[1]) {
        return [];
      }
      return Promise.all(
        values[0].map(function (row) {
          return unseal(values[1], row.box).catch(nothing);
        })
      ).then(function (list) {
        return list.filter(Boolean);
      });
    });
  }

  function session(id) {
    return Promise.all([get("sessions", Number(id)), dataKey().catch(nothing)]).then(
      function (values) {
        if (!values[0] || !values[1]) {
          return null;
        }
        return unseal(values[1], values[0].box).catch(nothing);
      }
    );
  }

  // Replace the stored sessions with a fresh /mine/ answer; "sent" saves of sessions no longer
  // listed go too (saves not yet sent or refused stay until sent or dismissed).
  function replaceSessions(list, user) {
    var ids = {};
    list.forEach(function (item) {
      ids[item.id] = true;
    });
    return withKey(function (key) {
      return Promise.all(
        list.map(function (item) {
          return seal(key, item).then(function (box) {
            return { id: item.id, box: box };
          });
        })
      );
    }).then(function (rows) {
      return writeSessions(rows, ids, user);
    });
  }

  function writeSessions(rows, ids, user) {
    return transact(["sessions", "saves", "meta"], "readwrite", function (stores) {
      stores.sessions.clear();
      rows.forEach(function (row) {
        stores.sessions.put(row);
      });
      stores.saves.getAll().onsuccess = function (event) {
        event.target.result.forEach(function (save) {
          if (save.state === "sent" && !ids[save.session]) {
            stores.saves.delete(save.seq);
          }
        });
      };
      stores.meta.put({ name: "refreshed", value: Date.now() });
      stores.meta.put({ name: "synced", value: Date.now() });
      if (user) {
        stores.meta.put({ name: "user", value: user });
      }
    });
  }

  // Forget the rosters and what came with them. `everything` (sign-out) also drops the saves
  // not yet sent (only after the trainer agreed to lose them) and the "sign in again" flag.
  function forget(everything) {
    return transact(["sessions", "saves", "meta"], "readwrite", function (stores) {
      stores.sessions.clear();
      ["user", "csrf", "refreshed"].forEach(function (name) {
        stores.meta.delete(name);
      });
      if (everything) {
        stores.meta.clear();
      }
      stores.saves.getAll().onsuccess = function (event) {
        event.target.result.forEach(function (save) {
          if (everything || save.state === "sent") {
            stores.saves.delete(save.seq);
          }
        });
      };
    });
  }

  // --- Encryption (issue 20) -------------------------------------------------------------
  function nothing() {
    return null;
  }

  function randomBytes(length) {
    var bytes = new Uint8Array(length);
    global.crypto.getRandomValues(bytes);
    return bytes;
  }

  // The value of a cookie: from document.cookie on a page, from the Cookie Store API in the
  // worker, or else (a worker without it) the value a page gave (kept in memory only).
  function cookie(name) {
    var doc = global.document;
    if (doc && typeof doc.cookie === "string") {
      return Promise.resolve(cookieFromString(doc.cookie, name));
    }
    if (global.cookieStore && global.cookieStore.get) {
      return global.cookieStore.get(name).then(
        function (found) {
          return found ? found.value : null;
        },
        function () {
          return name === SETTINGS.keyCookie ? givenKek : null;
        }
      );
    }
    return Promise.resolve(name === SETTINGS.keyCookie ? givenKek : null);
  }

  function cookieFromString(text, name) {
    var found = null;
    (text || "").split(/;\s*/).forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0 && part.slice(0, at) === name) {
        found = decodeURIComponent(part.slice(at + 1));
      }
    });
    return found;
  }

  function giveKek(value) {
    givenKek = value || null;
  }

  // The KEK of the sign-in, for the worker (a page's message carries it; nothing is stored).
  function pageKek() {
    var doc = global.document;
    return doc ? cookieFromString(doc.cookie, SETTINGS.keyCookie) : null;
  }

  function dropCookie(name) {
    if (global.document) {
      global.document.cookie = name + "=; Max-Age=0; Path=/; SameSite=Strict";
    }
  }

  // "<secret>:<signature>": the secret is 32 bytes in base64url.
  function importKek(value) {
    var text = String(value).split(":")[0].replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) {
      text += "=";
    }
    var raw = global.atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var index = 0; index < raw.length; index += 1) {
      bytes[index] = raw.charCodeAt(index);
    }
    return subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["wrapKey", "unwrapKey"]);
  }

  function unwrap(wrapped, kek, extractable) {
    return subtle.unwrapKey(
      "raw",
      wrapped.wrapped,
      kek,
      { name: "AES-GCM", iv: wrapped.iv },
      { name: "AES-GCM" },
      Boolean(extractable),
      ["encrypt", "decrypt"]
    );
  }

  function wrap(key, kek, created) {
    var iv = randomBytes(12);
    return subtle.wrapKey("raw", key, kek, { name: "AES-GCM", iv: iv }).then(function (wrapped) {
      return { iv: iv, wrapped: wrapped, created: created || Date.now() };
    });
  }

  function staleKey() {
    var error = new Error("The data on this phone was locked by another sign-in.");
    error.stale = true;
    return error;
  }

  // The data key, or null without a KEK cookie (signed out). Rejects with `stale` when the
  // stored data key was wrapped by another sign-in's KEK.
  function dataKey() {
    if (!subtle) {
      return Promise.resolve(null);
    }
    return cookie(SETTINGS.keyCookie).then(function (value) {
      if (!value) {
        return null;
      }
      if (keyCache.kek === value && keyCache.key) {
        return keyCache.key;
      }
      var loading = loadDataKey(value);
      keyCache = { kek: value, key: loading };
      loading.catch(function () {
        if (keyCache.key === loading) {
          keyCache = { kek: null, key: null };
        }
      });
      return loading;
    });
  }

  function loadDataKey(value) {
    return importKek(value).then(function (kek) {
      return getMeta("datakey").then(function (stored) {
        if (!stored) {
          return createDataKey(kek);
        }
        return unwrap(stored, kek).catch(function () {
          return rewrapFromPrevious(stored, kek);
        });
      });
    });
  }

  // Two pages and the worker may start at once: `add` lets only the first new key in.
  function createDataKey(kek) {
    return subtle
      .generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"])
      .then(function (key) {
        return wrap(key, kek);
      })
      .then(function (wrapped) {
        return addIfAbsent("meta", { name: "datakey", value: wrapped });
      })
      .then(function () {
        return getMeta("datakey");
      })
      .then(function (stored) {
        return unwrap(stored, kek); // not extractable from here on
      });
  }

  // The same user signed in again: the server handed the previous KEK over for a few minutes.
  function rewrapFromPrevious(stored, kek) {
    return cookie(SETTINGS.previousKeyCookie).then(function (previous) {
      if (!previous) {
        throw staleKey();
      }
      return importKek(previous)
        .then(function (old) {
          return unwrap(stored, old, true);
        })
        .then(function (key) {
          return wrap(key, kek, stored.created);
        })
        .then(function (wrapped) {
          return setMeta("datakey", wrapped);
        })
        .then(function () {
          dropCookie(SETTINGS.previousKeyCookie);
          return getMeta("datakey");
        })
        .then(function (rewrapped) {
          return unwrap(rewrapped, kek);
        })
        .catch(function () {
          throw staleKey();
        });
    });
  }

  function addIfAbsent(storeName, row) {
    return open().then(function (db) {
      return new Promise(function (resolve) {
        var transaction = db.transaction([storeName], "readwrite");
        var added = true;
        transaction.objectStore(storeName).add(row).onerror = function (event) {
          added = false;
          event.preventDefault(); // a row already there: not an error for the transaction
        };
        transaction.oncomplete = function () {
          resolve(added);
        };
        transaction.onabort = function () {
          resolve(false);
        };
      });
    });
  }

  function withKey(work) {
    return dataKey().then(function (key) {
      if (!key) {
        throw new Error("No key: signed out.");
      }
      return work(key);
    });
  }

  function sealBytes(key, bytes) {
    var iv = randomBytes(12);
    return subtle.encrypt({ name: "AES-GCM", iv: iv }, key, bytes).then(function (data) {
      var out = new Uint8Array(12 + data.byteLength);
      out.set(iv, 0);
      out.set(new Uint8Array(data), 12);
      return out;
    });
  }

  function unsealBytes(key, sealed) {
    var bytes = new Uint8Array(sealed);
    return subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, key, bytes.slice(12));
  }

  function seal(key, value) {
    return sealBytes(key, new TextEncoder().encode(JSON.stringify(value)));
  }

  function unseal(key, box) {
    return unsealBytes(key, box).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    });
  }

  function sealText(key, text) {
    return sealBytes(key, new TextEncoder().encode(text));
  }

  function unsealText(key, sealed) {
    return unsealBytes(key, sealed).then(function (plain) {
      return new TextDecoder().decode(plain);
    });
  }

  function sealSave(key, save) {
    var clear = {};
    var secret = {};
    Object.keys(save).forEach(function (name) {
      if (save[name] === undefined || name === "box" || name === "sealed") {
        return;
      }
      (CLEAR.indexOf(name) >= 0 ? clear : secret)[name] = save[name];
    });
    return seal(key, secret).then(function (box) {
      clear.box = box;
      return clear;
    });
  }

  function openSave(key, row) {
    var save = {};
    CLEAR.forEach(function (name) {
      if (row[name] !== undefined) {
        save[name] = row[name];
      }
    });
    if (!row.box) {
      return Promise.resolve(row); // from version 1, before `migrate` encrypts it
    }
    if (!key) {
      save.sealed = true;
      return Promise.resolve(save);
    }
    return unseal(key, row.box).then(
      function (secret) {
        Object.keys(secret).forEach(function (name) {
          save[name] = secret[name];
        });
        return save;
      },
      function () {
        save.sealed = true;
        return save;
      }
    );
  }

  // Saves kept in clear by version 1: encrypted in place.
  function migrate(key) {
    return all("saves").then(function (rows) {
      var plain = rows.filter(function (row) {
        return !row.box;
      });
      return Promise.all(
        plain.map(function (row) {
          return sealSave(key, row);
        })
      ).then(function (sealed) {
        if (!sealed.length) {
          return null;
        }
        return transact(["saves"], "readwrite", function (stores) {
          sealed.forEach(function (row) {
            stores.saves.put(row);
          });
        });
      });
    });
  }

  function dropLegacyCaches() {
    if (!global.caches) {
      return Promise.resolve();
    }
    return Promise.all(
      LEGACY_CACHES.map(function (name) {
        return global.caches.delete(name);
      })
    ).catch(nothing);
  }

  // Saves that never reached the server (not yet sent, or refused), of any user.
  function unsentCount() {
    return all("saves").then(function (rows) {
      return rows.filter(function (row) {
        return row.state !== "sent";
      }).length;
    });
  }

  // At each page load, before anything is read: old stores of version 1 gone or encrypted; a
  // data key of another sign-in thrown away with what it encrypts; data kept longer than
  // SETTINGS.maxDays without a successful sync erased, after one try to send the saves
  // waiting (when `options.online`). Answers {state: "ok"|"signed-out"|"stale"|"expired",
  // lost: saves that could not be sent, days}.
  function check(options) {
    options = options || {};
    var result = { state: "ok", lost: 0, days: SETTINGS.maxDays };
    return dropLegacyCaches()
      .then(dataKey)
      .then(
        function (key) {
          if (!key) {
            result.state = "signed-out";
            return result;
          }
          return migrate(key).then(function () {
            return expire(options, result);
          });
        },
        function (error) {
          if (!error || !error.stale) {
            throw error;
          }
          result.state = "stale";
          return erase(result);
        }
      );
  }

  function expire(options, result) {
    return Promise.all([getMeta("synced"), getMeta("datakey")]).then(function (values) {
      var since = values[0] || (values[1] && values[1].created) || Date.now();
      if (Date.now() - since <= SETTINGS.maxDays * DAY_MS) {
        return result;
      }
      result.state = "expired";
      var sending = options.online
        ? send({ user: options.user, token: options.token }).catch(nothing)
        : Promise.resolve();
      return sending.then(function () {
        return erase(result);
      });
    });
  }

  function erase(result) {
    return unsentCount()
      .catch(function () {
        return 0;
      })
      .then(function (count) {
        result.lost = count;
        return wipe();
      })
      .then(function () {
        return result;
      });
  }

  function cacheNames() {
    if (!global.caches) {
      return Promise.resolve([]);
    }
    return global.caches.keys().then(function (names) {
      return names.filter(function (name) {
        return name.indexOf(CACHE_PREFIX) === 0;
      });
    });
  }

  function clearCaches() {
    return cacheNames().then(function (names) {
      return Promise.all(
        names.map(function (name) {
          return global.caches.delete(name);
        })
      );
    });
  }

  // Lockdown (issue 20): the portal answers a locked user's phone with this header (and with
  // Clear-Site-Data, which erases everything by itself where the browser supports it).
  var WIPE_HEADER = "X-Portal-Wipe";

  function wipeSignalled(response) {
    return Boolean(response && response.headers && response.headers.get(WIPE_HEADER) === "1");
  }

  // Erase everything the portal keeps on this phone, saves not sent included: the database
  // (closed first, so that the deletion is not blocked by this script) and the caches.
  function wipe() {
    var closing = opening
      ? opening.then(
          function (db) {
            db.close();
          },
          function () {}
        )
      : Promise.resolve();
    keyCache = { kek: null, key: null };
    return closing
      .then(function () {
        opening = null;
        return new Promise(function (resolve) {
          var request = global.indexedDB.deleteDatabase(DB_NAME);
          request.onsuccess = request.onerror = request.onblocked = function () {
            resolve();
          };
        });
      })
      .then(clearCaches);
  }

  function tokenFrom(html) {
    var match = TOKEN_PATTERN.exec(html || "");
    return match ? match[1] : null;
  }

  // A CSRF token from a page fetched now (the cookie is HttpOnly; a cached page may carry a
  // token from before the last sign-in). Null when signed out.
  function freshToken() {
    return fetch(URLS.mySessions, {
      signal: timeoutSignal(),
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (wipeSignalled(response)) {
          return wipe().then(function () {
            return null;
          });
        }
        return response.status === 200 ? response.text() : null;
      })
      .then(tokenFrom)
      .catch(function () {
        return null;
      });
  }

  function detailOf(body) {
    if (!body) {
      return "";
    }
    if (typeof body === "string") {
      return body;
    }
    if (body.detail && typeof body.detail === "string") {
      return body.detail;
    }
    var texts = [];
    (function collect(value) {
      if (typeof value === "string") {
        texts.push(value);
      } else if (Array.isArray(value)) {
        value.forEach(collect);
      } else if (value && typeof value === "object") {
        Object.keys(value).forEach(function (name) {
          if (name !== "code") {
            collect(value[name]);
          }
        });
      }
    })(body);
    return texts.join(" ");
  }

  // A request that hangs on a weak signal is given up after a while; sending it again later
  // is safe (same Idempotency-Key: the server answers the first answer again).
  var SEND_TIMEOUT_MS = 30000;
  // Answers that mean "sign in again" (the save is kept and sent after sign-in), and answers
  // that refuse the save for good (kept as refused, with the server's message).
  var AUTH = [401, 403];
  var REFUSED = [400, 404, 405, 409, 410, 422];

  function timeoutSignal() {
    if (typeof AbortController === "undefined") {
      return undefined;
    }
    var controller = new AbortController();
    setTimeout(function () {
      controller.abort();
    }, SEND_TIMEOUT_MS);
    return controller.signal;
  }

  // POST one save. Answers {kind: ok|refused|auth|network|retry, status, body}.
  function post(save, token) {
    return fetch(url("attendance", save.session), {
      method: "POST",
      signal: timeoutSignal(),
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": save.key,
        "X-CSRFToken": token || "",
      },
      body: JSON.stringify({ marks: save.marks, marked_at: save.marked_at }),
    }).then(
      function (response) {
        if (wipeSignalled(response)) {
          return wipe().then(function () {
            return { kind: "wiped", status: response.status };
          });
        }
        // A redirect is the sign-in page (session expired): answered like a 401.
        if (response.type === "opaqueredirect" || AUTH.indexOf(response.status) >= 0) {
          return { kind: "auth", status: response.status };
        }
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            var status = response.status;
            if (status >= 200 && status < 300) {
              return { kind: "ok", status: status, body: body };
            }
            if (REFUSED.indexOf(status) >= 0) {
              return { kind: "refused", status: status, body: body };
            }
            return { kind: "retry", status: status, body: body };
          });
      },
      function () {
        return { kind: "network" };
      }
    );
  }

  // Send the pending saves of `options.user`, oldest first, one at a time. Stops at the first
  // save that cannot be sent now (no connection, server trouble, signed out): later saves of a
  // session must not overtake earlier ones. A refused save (409 window closed, 400, 404, 422)
  // is kept as refused with the server's message, and the next one is sent.
  function flush(options) {
    var result = { sent: [], refused: [], auth: false, stopped: null };
    var tokenRetried = false;
    var token = null;

    function sendOne(list, index) {
      if (index >= list.length) {
        return Promise.resolve();
      }
      var save = list[index];
      return post(save, token)
        .then(function (answer) {
          if (answer.kind !== "auth" || tokenRetried) {
            return answer;
          }
          // Perhaps only the token is stale: one more try with a token fetched now.
          tokenRetried = true;
          return freshToken().then(function (fresh) {
            if (!fresh) {
              return answer;
            }
            token = fresh;
            return setMeta("csrf", fresh).then(function () {
              return post(save, token);
            });
          });
        })
        .then(function (answer) {
          if (answer.kind === "ok") {
            result.sent.push({ key: save.key, session: save.session, body: answer.body });
            return markSent(save, answer.body).then(function () {
              return sendOne(list, index + 1);
            });
          }
          if (answer.kind === "refused") {
            save.state = "refused";
            save.status = answer.status;
            save.code = (answer.body && answer.body.code) || "";
            save.detail = detailOf(answer.body);
            save.refused_at = Date.now();
            result.refused.push({ key: save.key, session: save.session, status: answer.status });
            return putSave(save).then(function () {
              return sendOne(list, index + 1);
            });
          }
          if (answer.kind === "wiped") {
            // Nothing is left to send, and nothing may be written again.
            result.stopped = "wiped";
            return undefined;
          }
          if (answer.kind === "auth") {
            result.auth = true;
            result.stopped = "auth";
            return setMeta("auth", "needed");
          }
          result.stopped = answer.kind;
          return undefined;
        });
    }

    var reads = [getMeta("csrf"), getMeta("user"), saves(), dataKey().catch(nothing)];
    return Promise.all(reads).then(function (values) {
      token = values[0] || options.token || "";
      if (!values[3] && values[2].some(pendingSave)) {
        // No key (signed out): nothing can be sent until the trainer signs in again.
        result.auth = true;
        result.stopped = "auth";
        return setMeta("auth", "needed").then(function () {
          return result;
        });
      }
      var user = options.user || values[1];
      // A save that this key cannot open (written by another sign-in) cannot be sent.
      var pending = values[2].filter(function (save) {
        return save.state === "pending" && save.user === user && !save.sealed;
      });
      if (!pending.length) {
        return result;
      }
      return sendOne(pending, 0).then(function () {
        if (result.sent.length && !result.auth && result.stopped !== "wiped") {
          return setMeta("auth", null).then(function () {
            return result;
          });
        }
        return result;
      });
    });
  }

  function pendingSave(save) {
    return save.state === "pending";
  }

  // One sender at a time across the pages and the worker (Web Locks where available).
  function send(options) {
    options = options || {};
    var nav = global.navigator;
    if (nav && nav.locks && nav.locks.request) {
      return nav.locks.request(SEND_LOCK, function () {
        return flush(options);
      });
    }
    return flush(options);
  }

  function uuid() {
    var cryptoApi = global.crypto;
    if (cryptoApi && cryptoApi.randomUUID) {
      return cryptoApi.randomUUID();
    }
    var bytes = new Uint8Array(16);
    cryptoApi.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (byte) {
        return (byte + 0x100).toString(16).slice(1);
      })
      .join("");
    return (
      hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20)
    );
  }

  // ISO 8601 with the phone's offset, e.g. 2026-11-25T09:41:07+06:30.
  function localIso(date) {
    function pad(number) {
      return String(number).padStart(2, "0");
    }
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60)
    );
  }

  global.OfflineStore = {
    CACHE_PREFIX: CACHE_PREFIX,
    configure: configure,
    url: url,
    getMeta: getMeta,
    setMeta: setMeta,
    saves: saves,
    addSave: addSave,
    putSave: putSave,
    deleteSave: deleteSave,
    sessions: sessions,
    session: session,
    replaceSessions: replaceSessions,
    forget: forget,
    cacheNames: cacheNames,
    clearCaches: clearCaches,
    wipeSignalled: wipeSignalled,
    wipe: wipe,
    tokenFrom: tokenFrom,
    timeoutSignal: timeoutSignal,
    freshToken: freshToken,
    send: send,
    uuid: uuid,
    localIso: localIso,
    check: check,
    dataKey: dataKey,
    giveKek: giveKek,
    pageKek: pageKek,
    dropCookie: dropCookie,
    sealText: sealText,
    unsealText: unsealText,
    settings: SETTINGS,
  };
})(self);
