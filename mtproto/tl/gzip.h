// gzip for gzip_packed: https://core.telegram.org/mtproto/service_messages#packed-object
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mtproto::tl {

// The most a gzip_packed object may inflate to; more is treated as an attack, not data.
inline constexpr size_t kMaxGunzipSize = 16 << 20;

// Inflates gzip data into `out`; zlib-format data too, since some clients (mtcute) pack
// gzip_packed that way and Telegram accepts it. False on corrupt, truncated or oversized input.
[[nodiscard]] bool Gunzip(std::string_view packed, std::string* out,
                          size_t max_size = kMaxGunzipSize);

// Deflates `data` into the gzip format.
std::string Gzip(std::string_view data);

}  // namespace mtproto::tl
