// Offline attendance: the phone's store (IndexedDB) and the sender of saved rosters.
// Shared by the pages (offline-page.js) and the service worker (offline-sw.js, importScripts):
// no DOM here. See docs/offline-attendance-api.md for the server's side.
//
// IndexedDB "offline-attendance":
//   saves     one row per roster save: {seq, key (Idempotency-Key), user, session, label,
//             marks {person id: status}, marked_at, created, state: pending|sent|refused, ...}
//   sessions  the trainer's sessions from GET /api/v1/sessions/mine/ (case number and
//             preferred name only), replaced at each refresh
//   meta      {name, value}: "user" (whose data this is), "csrf", "auth" ("needed" after a
//             401/403), "refreshed" (time of the last refresh)
(function (global) {
  "use strict";
  if (global.OfflineStore) {
    return;
  }

  var DB_NAME = "offline-attendance";
  var DB_VERSION = 1;
  var CACHE_PREFIX = "offline-attendance-";
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
      if (urls[name]) {
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
        request.onupgradeneeded = function () {
          var db = request.result;
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
            db.close();
            opening = null;
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

  // Saves, oldest first (the auto-increment key keeps the order they were made in).
  function saves() {
    return all("saves").then(function (rows) {
      return rows.sort(function (a, b) {
        return a.seq - b.seq;
      });
    });
  }

  function addSave(save) {
    return transact(["saves"], "readwrite", function (stores, out) {
      stores.saves.add(save).onsuccess = function (event) {
        out.value = event.target.result;
      };
    }).then(function (seq) {
      save.seq = seq;
      return save;
    });
  }

  function putSave(save) {
    return transact(["saves"], "readwrite", function (stores) {
      stores.saves.put(save);
    });
  }

  function deleteSave(seq) {
    return transact(["saves"], "readwrite", function (stores) {
      stores.saves.delete(seq);
    });
  }

  // A save reached the server: keep it as the session's latest "sent", forget older ones.
  function markSent(save, answer) {
    return transact(["saves"], "readwrite", function (stores) {
      stores.saves.getAll().onsuccess = function (event) {
        event.target.result.forEach(function (other) {
          if (other.session === save.session && other.state === "sent" && other.seq < save.seq) {
            stores.saves.delete(other.seq);
          }
        });
        save.state = "sent";
        save.sent_at = Date.now();
        save.changed = answer && typeof answer.changed === "number" ? answer.changed : null;
        save.received_at = answer && answer.received_at ? answer.received_at : null;
        stores.saves.put(save);
      };
    });
  }

  function sessions() {
    return all("sessions");
  }

  function session(id) {
    return get("sessions", Number(id));
  }

  // Replace the stored sessions with a fresh /mine/ answer; "sent" saves of sessions no longer
  // listed go too (saves not yet sent or refused stay until sent or dismissed).
  function replaceSessions(list, user) {
    var ids = {};
    list.forEach(function (item) {
      ids[item.id] = true;
    });
    return transact(["sessions", "saves", "meta"], "readwrite", function (stores) {
      stores.sessions.clear();
      list.forEach(function (item) {
        stores.sessions.put(item);
      });
      stores.saves.getAll().onsuccess = function (event) {
        event.target.result.forEach(function (save) {
          if (save.state === "sent" && !ids[save.session]) {
            stores.saves.delete(save.seq);
          }
        });
      };
      stores.meta.put({ name: "refreshed", value: Date.now() });
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

    return Promise.all([getMeta("csrf"), getMeta("user"), saves()]).then(function (values) {
      token = values[0] || options.token || "";
      var user = options.user || values[1];
      var pending = values[2].filter(function (save) {
        return save.state === "pending" && save.user === user;
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
  };
})(self);
