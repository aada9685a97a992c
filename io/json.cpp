// Json value access and the compact writer (the parser is in json_parse.cpp).
// Numbers are written so that parsing the text gives back the same double bit for bit.
#include "io/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace dpt {

const char* Json::type_name() const {
  switch (type_) {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "bool";
    case Type::Number:
      return "number";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "?";
}

bool Json::as_bool() const {
  DPT_CHECK(is_bool(), "JSON: expected a bool, got " << type_name());
  return bool_;
}

double Json::as_number() const {
  DPT_CHECK(is_number(), "JSON: expected a number, got " << type_name());
  return num_;
}

int64_t Json::as_int() const {
  DPT_CHECK(is_number(), "JSON: expected an integer, got " << type_name());
  DPT_CHECK(is_int_, "JSON: expected an integer, got the number " << dump());
  return int_;
}

const std::string& Json::as_string() const {
  DPT_CHECK(is_string(), "JSON: expected a string, got " << type_name());
  return str_;
}

const Json::Array& Json::as_array() const {
  DPT_CHECK(is_array(), "JSON: expected an array, got " << type_name());
  return *arr_;
}

const Json::Object& Json::as_object() const {
  DPT_CHECK(is_object(), "JSON: expected an object, got " << type_name());
  return *obj_;
}

Json::Array& Json::as_array() {
  DPT_CHECK(is_array(), "JSON: expected an array, got " << type_name());
  if (arr_.use_count() > 1) arr_ = std::make_shared<Array>(*arr_);  // copy on write
  return *arr_;
}

Json::Object& Json::as_object() {
  DPT_CHECK(is_object(), "JSON: expected an object, got " << type_name());
  if (obj_.use_count() > 1) obj_ = std::make_shared<Object>(*obj_);
  return *obj_;
}

const Json* Json::find(const std::string& key) const {
  for (const auto& kv : as_object())
    if (kv.first == key) return &kv.second;
  return nullptr;
}

const Json& Json::at(const std::string& key) const {
  const Json* v = find(key);
  DPT_CHECK(v, "JSON: missing key \"" << key << "\"");
  return *v;
}

Json& Json::set(const std::string& key, Json value) {
  if (is_null()) *this = object();
  for (auto& kv : as_object())
    if (kv.first == key) return kv.second = std::move(value);
  auto& obj = as_object();
  obj.emplace_back(key, std::move(value));
  return obj.back().second;
}

void Json::push_back(Json value) {
  if (is_null()) *this = array();
  as_array().push_back(std::move(value));
}

size_t Json::size() const {
  if (is_array()) return arr_->size();
  if (is_object()) return obj_->size();
  return 0;
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through unchanged
        }
    }
  }
  return out + "\"";
}

// Shortest text that parses back to exactly d; to_chars ignores the C locale (always a '.').
static std::string number_text(double d) {
  DPT_CHECK(std::isfinite(d), "JSON: cannot write the non-finite number " << d);
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, res.ptr);
  // A double that prints like an integer ("-0", "100") keeps a ".0" so it parses back as the same double.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

void Json::dump_to(std::string& out) const {
  switch (type_) {
    case Type::Null:
      out += "null";
      break;
    case Type::Bool:
      out += bool_ ? "true" : "false";
      break;
    case Type::Number:
      out += is_int_ ? std::to_string(int_) : number_text(num_);
      break;
    case Type::String:
      out += json_quote(str_);
      break;
    case Type::Array: {
      out += '[';
      for (size_t i = 0; i < arr_->size(); ++i) {
        if (i) out += ',';
        (*arr_)[i].dump_to(out);
      }
      out += ']';
      break;
    }
    case Type::Object: {
      out += '{';
      for (size_t i = 0; i < obj_->size(); ++i) {
        if (i) out += ',';
        out += json_quote((*obj_)[i].first);
        out += ':';
        (*obj_)[i].second.dump_to(out);
      }
      out += '}';
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

}  // namespace dpt
