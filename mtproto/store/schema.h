// The session store's SQLite schema as a list of forward migrations. Migration i takes a database
// at version i to version i + 1 inside one transaction, so a file written by any earlier build
// opens in this one; a file from a newer build is refused rather than misread. Later issues
// append migrations here (the peer cache, the update state) and never edit an existing one.
#pragma once

#include <array>

namespace mtproto::store {

inline constexpr std::array<const char*, 3> kMigrations = {
    // Version 1: the first layout. One row per DC with its permanent auth key, a single server
    // salt and the clock offset; the account (home DC, signed-in user, login marker) as the only
    // row of `account`; a key-value table for small extras.
    R"sql(
CREATE TABLE dcs (
  dc_id INTEGER PRIMARY KEY,
  auth_key BLOB,
  auth_key_id INTEGER,
  salt INTEGER NOT NULL DEFAULT 0,
  time_offset_ns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE account (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  home_dc INTEGER NOT NULL DEFAULT 0,
  user_id INTEGER NOT NULL DEFAULT 0,
  is_bot INTEGER NOT NULL DEFAULT 0,
  login_state INTEGER NOT NULL DEFAULT 0);
INSERT INTO account (singleton) VALUES (1);
CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);
)sql",
    // Version 2: salts with their validity windows (future_salts gives several, each valid for
    // [valid_since, valid_until)), so a reconnect can pick the one valid now instead of paying a
    // bad_server_salt round trip. The version-1 salt is carried over as valid from 0 to forever.
    R"sql(
CREATE TABLE server_salts (
  dc_id INTEGER NOT NULL,
  salt INTEGER NOT NULL,
  valid_since INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  PRIMARY KEY (dc_id, valid_since, salt));
INSERT INTO server_salts (dc_id, salt, valid_since, valid_until)
  SELECT dc_id, salt, 0, 2147483647 FROM dcs WHERE salt != 0;
ALTER TABLE dcs DROP COLUMN salt;
)sql",
    // Version 3: the peer cache (mtproto/engine/peers.h): access hashes of the users, chats and
    // channels the account has seen, and the usernames leading to them (lower-cased, unique).
    R"sql(
CREATE TABLE peers (
  kind INTEGER NOT NULL,
  id INTEGER NOT NULL,
  access_hash INTEGER NOT NULL DEFAULT 0,
  username TEXT,
  is_bot INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, id));
CREATE UNIQUE INDEX peers_by_username ON peers (username) WHERE username IS NOT NULL;
)sql",
};

// The version a freshly opened store is migrated to.
inline constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

}  // namespace mtproto::store
