#include "mtproto/tl/gzip.h"

#include <zlib.h>

namespace mtproto::tl {

namespace {
constexpr int kGzipWindowBits = 15 + 16;     // 15-bit window, gzip header and trailer
constexpr int kDetectWindowBits = 15 + 32;   // 15-bit window, gzip or zlib header
}  // namespace

bool Gunzip(std::string_view packed, std::string* out, size_t max_size) {
  z_stream stream{};
  if (inflateInit2(&stream, kDetectWindowBits) != Z_OK) return false;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  stream.avail_in = static_cast<uInt>(packed.size());
  out->clear();
  char chunk[16384];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    out->append(chunk, sizeof chunk - stream.avail_out);
    if (out->size() > max_size) status = Z_MEM_ERROR;
    // No progress with input left means the stream is truncated.
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) status = Z_BUF_ERROR;
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END;
}

std::string Gzip(std::string_view data) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace mtproto::tl
