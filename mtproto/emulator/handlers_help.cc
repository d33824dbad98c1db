// help.*: the emulator's own DC list and limits. Spec: https://core.telegram.org/method/help.getConfig
#include "mtproto/emulator/handlers.h"

namespace mtproto::emulator {
namespace {

namespace api = tl::api;

// How long a client may cache the config.
constexpr int kConfigLifetimeSeconds = 3600;

Outcome GetConfig(const api::help_getConfig&, Call& call) {
  auto config = std::make_unique<api::config>();
  const int32_t now = static_cast<int32_t>(call.env.NowSeconds());
  config->date = now;
  config->expires = now + kConfigLifetimeSeconds;
  config->test_mode = false;
  config->this_dc = call.conn.dc_id;
  for (const DcEndpoint& dc : call.env.dcs) {
    auto option = std::make_unique<api::dcOption>();
    option->id = dc.id;
    option->ip_address = dc.host;
    option->port = dc.port;
    // Static: clients must not replace it with an address learnt elsewhere.
    option->static_ = true;
    config->dc_options.push_back(std::move(option));
  }
  config->dc_txt_domain_name = "emulator.invalid";
  // Telegram's published values, so clients size their caches as usual.
  config->chat_size_max = 200;
  config->megagroup_size_max = 200000;
  config->forwarded_count_max = 100;
  config->online_update_period_ms = 210000;
  config->offline_blur_timeout_ms = 5000;
  config->offline_idle_timeout_ms = 30000;
  config->online_cloud_timeout_ms = 300000;
  config->notify_cloud_delay_ms = 30000;
  config->notify_default_delay_ms = 1500;
  config->push_chat_period_ms = 60000;
  config->push_chat_limit = 2;
  config->edit_time_limit = 172800;
  config->revoke_time_limit = 2147483647;
  config->revoke_pm_time_limit = 2147483647;
  config->rating_e_decay = 2419200;
  config->stickers_recent_limit = 200;
  config->channels_read_media_period = 604800;
  config->call_receive_timeout_ms = 20000;
  config->call_ring_timeout_ms = 90000;
  config->call_connect_timeout_ms = 30000;
  config->call_packet_timeout_ms = 10000;
  config->me_url_prefix = "https://t.me/";
  config->caption_length_max = 1024;
  config->message_length_max = 4096;
  config->webfile_dc_id = call.env.dcs.empty() ? call.conn.dc_id : call.env.dcs.front().id;
  return RpcAnswer::Of(std::move(config));
}

Outcome GetNearestDc(const api::help_getNearestDc&, Call& call) {
  auto nearest = std::make_unique<api::nearestDc>();
  nearest->country = "ZZ";  // unknown region: the emulator has no geography
  nearest->this_dc = call.conn.dc_id;
  nearest->nearest_dc = call.conn.dc_id;
  return RpcAnswer::Of(std::move(nearest));
}

}  // namespace

void RegisterHelpHandlers(HandlerTable& table) {
  Register(table, Access::kAnyone, &GetConfig);
  Register(table, Access::kAnyone, &GetNearestDc);
}

}  // namespace mtproto::emulator
