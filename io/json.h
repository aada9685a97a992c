// A small JSON value (null, bool, number, string, array, object) with a strict parser and a compact writer.
// Used for safetensors headers, checkpoint metadata (dpt_config) and config files.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dpt {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  // Objects keep their keys in file/insertion order (safetensors names are listed in file order).
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(double d) : type_(Type::Number), num_(d) {}
  Json(int v) : Json(static_cast<int64_t>(v)) {}
  Json(int64_t v) : type_(Type::Number), num_(static_cast<double>(v)), int_(v), is_int_(true) {}
  Json(const char* s) : type_(Type::String), str_(s) {}
  Json(std::string s) : type_(Type::String), str_(std::move(s)) {}
  Json(Array a) : type_(Type::Array), arr_(std::make_shared<Array>(std::move(a))) {}
  Json(Object o) : type_(Type::Object), obj_(std::make_shared<Object>(std::move(o))) {}
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return type_; }
  const char* type_name() const;
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  bool is_int() const { return type_ == Type::Number && is_int_; }  // an integer literal that fits int64
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // Typed access; a wrong type throws dpt::Error saying what was expected and what was found.
  bool as_bool() const;
  double as_number() const;
  int64_t as_int() const;  // exact: integer literals only (no 1.0, no 1e3)
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;
  Array& as_array();
  Object& as_object();

  // Objects: find returns nullptr when absent; at throws naming the key.
  const Json* find(const std::string& key) const;
  const Json& at(const std::string& key) const;
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  // Sets key (replacing an existing value, else appending). Turns a null into an object.
  Json& set(const std::string& key, Json value);
  // Arrays: appends. Turns a null into an array.
  void push_back(Json value);
  size_t size() const;  // elements of an array / keys of an object, else 0

  // Compact text (no spaces); numbers round-trip exactly. Throws on NaN/Inf (JSON cannot hold them).
  std::string dump() const;

 private:
  void dump_to(std::string& out) const;
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0.0;
  int64_t int_ = 0;
  bool is_int_ = false;
  std::string str_;
  // Shared so that copies are cheap; mutation goes through as_array()/as_object() (copy on write).
  std::shared_ptr<Array> arr_;
  std::shared_ptr<Object> obj_;
  friend class JsonParser;
};

// Parses exactly one JSON value (surrounding whitespace allowed). Errors name `what` (e.g. the file),
// the line, column and byte offset, and the problem. Nesting deeper than 512 levels is refused.
Json parse_json(const std::string& text, const std::string& what = "JSON");

// Reads and parses a JSON file (at most 64 MB); errors name the file.
Json read_json_file(const std::string& path);

// Quotes and escapes a string as a JSON string literal.
std::string json_quote(const std::string& s);

}  // namespace dpt
