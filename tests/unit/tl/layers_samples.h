// Layer-223 objects whose constructors differ in other layers, shared by layers_test and
// layers_tool (whose output Telethon decodes in layers_crosscheck.py: keep the values in step).
#pragma once

#include <memory>
#include <string>

#include "mtproto/tl/api.h"

namespace mtproto::tl::layers_samples {

inline ObjectPtr<api::user> User() {
  auto user = std::make_unique<api::user>();
  user->self = true;
  user->bot = true;
  user->id = 4200000001;
  user->access_hash = -77;
  user->first_name = "Ann";
  user->username = "ann_bot";
  user->bot_info_version = 3;
  user->status = std::make_unique<api::userStatusRecently>();  // another id before layer 167
  user->bot_active_users = 12;  // layer 223 only: dropped in older layers
  return user;
}

inline ObjectPtr<api::config> Config() {
  auto config = std::make_unique<api::config>();
  config->date = 1700000000;
  config->expires = 1700003600;
  config->this_dc = 2;
  auto dc = std::make_unique<api::dcOption>();
  dc->id = 2;
  dc->ip_address = "127.0.0.1";
  dc->port = 4430;
  config->dc_options.push_back(std::move(dc));
  config->dc_txt_domain_name = "dc.example";
  config->chat_size_max = 200;
  config->megagroup_size_max = 200000;
  config->edit_time_limit = 172800;
  config->me_url_prefix = "https://t.me/";
  config->caption_length_max = 1024;
  config->message_length_max = 4096;
  config->webfile_dc_id = 4;
  config->tmp_sessions = 5;
  config->autologin_token = "tok";  // layer 223 only
  return config;
}

inline ObjectPtr<api::auth_authorization> Authorization() {
  auto authorization = std::make_unique<api::auth_authorization>();
  authorization->tmp_sessions = 7;
  authorization->future_auth_token = "future";  // not in layer 144
  authorization->user = User();
  return authorization;
}

inline ObjectPtr<api::chatInviteExported> Invite() {
  auto invite = std::make_unique<api::chatInviteExported>();
  invite->permanent = true;
  invite->link = "https://t.me/+abcdef";
  invite->admin_id = 4200000001;
  invite->date = 1700000000;
  invite->usage_limit = 10;
  invite->title = "team";
  invite->subscription_expired = 2;  // not in layer 144
  return invite;
}

inline ObjectPtr<api::account_password> Password() {
  auto password = std::make_unique<api::account_password>();
  password->has_password = true;
  password->current_algo = std::make_unique<api::passwordKdfAlgoUnknown>();
  password->srp_B = std::string(256, '\x05');
  password->srp_id = 991;
  password->hint = "pet";
  password->new_algo = std::make_unique<api::passwordKdfAlgoUnknown>();
  password->new_secure_algo = std::make_unique<api::securePasswordKdfAlgoUnknown>();
  password->secure_random = "rnd";
  password->login_email_pattern = "a***@x";  // not in layer 144
  return password;
}

}  // namespace mtproto::tl::layers_samples
