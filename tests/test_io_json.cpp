// Tests of io/json: parsing, exact number round trips, key order, and error messages with positions.
// Also the rules the fuzzer found: doubles that print like integers keep their type and sign.
#include <doctest/doctest.h>

#include <cmath>

#include "core/error.h"
#include "io/json.h"
#include "tests/test_util.h"

using dpt::Json;
using dpt::parse_json;

TEST_CASE("io/json/parse values") {
  Json j = parse_json(R"( {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "x\"y\\n\u00e9\ud83d\ude00"}} )");
  REQUIRE(j.is_object());
  const auto& a = j.at("a").as_array();
  REQUIRE(a.size() == 7);
  CHECK(a[0].as_int() == 1);
  CHECK(a[1].as_int() == -2);
  CHECK(a[2].as_number() == 3.5);
  CHECK(!a[3].is_int());  // 1e3 is a number, not an integer literal
  CHECK(a[3].as_number() == 1000.0);
  CHECK_ERROR(a[3].as_int(), "JSON", "expected an integer, got the number 1000");
  CHECK(a[4].as_bool());
  CHECK(!a[5].as_bool());
  CHECK(a[6].is_null());
  CHECK(j.at("b").at("c").as_string() == "x\"y\\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(j.find("zz") == nullptr);
  CHECK_THROWS_WITH_AS(j.at("zz"), doctest::Contains("missing key \"zz\""), dpt::Error);
  CHECK_THROWS_WITH_AS(j.at("a").as_string(), doctest::Contains("expected a string, got array"), dpt::Error);
}

TEST_CASE("io/json/objects keep file order") {
  Json j = parse_json(R"({"z": 1, "a": 2, "m": 3})");
  const auto& o = j.as_object();
  REQUIRE(o.size() == 3);
  CHECK(o[0].first == "z");
  CHECK(o[1].first == "a");
  CHECK(o[2].first == "m");
  CHECK(j.dump() == R"({"z":1,"a":2,"m":3})");
}

TEST_CASE("io/json/dump round-trips exactly") {
  Json j = Json::object();
  j.set("pi", Json(M_PI));
  j.set("tiny", Json(5e-324));
  j.set("f", Json(0.1f * 1.0));
  j.set("big", Json(int64_t(9007199254740993)));  // 2^53 + 1: exact as an integer literal
  j.set("neg", Json(int64_t(INT64_MIN)));
  j.set("s", Json("tab\tnl\nctl\x01 quote\" slash\\"));
  Json arr = Json::array();
  arr.push_back(Json(1));
  arr.push_back(Json());
  j.set("arr", arr);
  Json back = parse_json(j.dump());
  CHECK(back.dump() == j.dump());
  CHECK(back.at("pi").as_number() == M_PI);
  CHECK(back.at("tiny").as_number() == 5e-324);
  CHECK(back.at("f").as_number() == double(0.1f));
  CHECK(back.at("big").as_int() == 9007199254740993);
  CHECK(back.at("neg").as_int() == INT64_MIN);
  CHECK(back.at("s").as_string() == "tab\tnl\nctl\x01 quote\" slash\\");
  CHECK_ERROR(Json(NAN).dump(), "JSON", "non-finite number nan");
  CHECK_ERROR(Json(INFINITY).dump(), "JSON", "non-finite number inf");
}

TEST_CASE("io/json/set replaces and copies are independent") {
  Json a = parse_json(R"({"k": [1, 2]})");
  Json b = a;  // shares storage until written
  b.set("k", Json("x"));
  CHECK(a.at("k").is_array());
  CHECK(b.at("k").as_string() == "x");
  CHECK(b.size() == 1);
}

TEST_CASE("io/json/errors name the source and position") {
  auto err = [](const std::string& text) {
    try {
      parse_json(text, "cfg.json");
    } catch (const dpt::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err("{\"a\": 1,}").find("cfg.json: invalid JSON at line 1, column 9") != std::string::npos);
  CHECK(err("{\n  \"a\": tru }").find("line 2, column 8") != std::string::npos);
  CHECK(err("[1, 2").find("expected ',' or ']'") != std::string::npos);
  CHECK(err("{\"a\": 1, \"a\": 2}").find("duplicate key \"a\"") != std::string::npos);
  CHECK(err("\"abc").find("unterminated string") != std::string::npos);
  CHECK(err("01").find("unexpected text after") != std::string::npos);
  CHECK(err("1.").find("expected a digit after '.'") != std::string::npos);
  CHECK(err("-").find("expected a digit") != std::string::npos);
  CHECK(err("\"a\x01\"").find("control character") != std::string::npos);
  CHECK(err("\"\\ud800\"").find("surrogate") != std::string::npos);
  CHECK(err("\"\\x\"").find("unknown escape") != std::string::npos);
  CHECK(err("NaN").find("expected a value") != std::string::npos);
  CHECK(err("").find("expected a value") != std::string::npos);
  CHECK(err("1e999").find("out of range") != std::string::npos);
  CHECK(err(std::string(100000, '[')).find("nesting deeper than 512") != std::string::npos);
  CHECK(err(std::string("{\"a\":1}\0", 8)).find("unexpected text after") != std::string::npos);
}

TEST_CASE("io/json/large integers fall back to double") {
  Json j = parse_json("[18446744073709551615, -0, 0.5e-3]");
  CHECK(!j.as_array()[0].is_int());
  CHECK(j.as_array()[0].as_number() == 18446744073709551615.0);
  CHECK(j.as_array()[1].as_int() == 0);
  CHECK(j.as_array()[2].as_number() == 0.5e-3);
}

TEST_CASE("io/json/strings must be valid UTF-8") {
  CHECK(parse_json("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"").as_string() ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  for (const char* bad : {"\"\xff\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
                          "\"\xc3\"", "\"\xe2\x82\""}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_json(bad), doctest::Contains("invalid UTF-8"), dpt::Error);
  }
}

TEST_CASE("io/json/doubles that look like integers keep their value and sign") {
  for (const char* text : {"-0e1", "-0.0", "100.0", "1e2", "-5E0"}) {
    CAPTURE(text);
    const Json j = parse_json(text);
    const std::string once = j.dump();
    CHECK(parse_json(once).dump() == once);
    CHECK(!parse_json(once).is_int());
    CHECK(std::signbit(parse_json(once).as_number()) == std::signbit(j.as_number()));
  }
  CHECK(Json(-0.0).dump() == "-0.0");
  CHECK(Json(100.0).dump() == "100.0");
  CHECK(Json(int64_t(100)).dump() == "100");
  CHECK(parse_json("-0").as_int() == 0);  // an integer literal
}
