#ifndef PIXXEL_DECODE_PUSH_PARSER_HPP_
#define PIXXEL_DECODE_PUSH_PARSER_HPP_

// nlohmann's strict JSON parser (json::sax_parse, version 3.11.2), made push-based: bytes are
// fed in pieces as they arrive, cut anywhere (inside a string, an escape, a UTF-8 sequence, a
// number, a literal), and the SAX handler gets exactly the events nlohmann's parser gives for
// the whole text, errors included: the same message, position and last token. So an answer
// can be decoded while it downloads, without keeping its bytes, and still fail exactly as
// decode_bytes does. tests/push_parser_test.cpp and fuzz/push_parser_fuzzer.cpp hold the two
// to that, byte for byte.
//
// PushLexer is nlohmann's lexer (detail/input/lexer.hpp) turned into a state machine that
// resumes where a piece ended; PushParser is nlohmann's sax_parse_internal loop turned into a
// machine that takes one token at a time. Both keep nlohmann's structure and names where they
// can, so the two can be compared line by line. Not public API.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pixxel::internal {

class PushLexer {
 public:
  // nlohmann's token_type, in its order (token_type_name() matches).
  using Token = nlohmann::detail::lexer_base<nlohmann::json>::token_type;

  PushLexer();

  // Scans on from `p` to `end`, then from the end of input when `at_end`: returns the next
  // token once it is complete (p then points past what it took), or, when the bytes ran out
  // first, Token::uninitialized (all of them taken).
  Token next(const char*& p, const char* end, bool at_end);

  nlohmann::json::number_integer_t number_integer() const { return value_integer_; }
  nlohmann::json::number_unsigned_t number_unsigned() const { return value_unsigned_; }
  nlohmann::json::number_float_t number_float() const { return value_float_; }
  // The last string (or number) token's text: a string's decoded value.
  std::string& string() { return token_buffer_; }
  const nlohmann::detail::position_t& position() const { return position_; }
  // What nlohmann's lexer calls the token string: what was read since the last string or
  // number began, control characters spelled <U+XXXX>.
  std::string token_string() const;
  const char* error_message() const { return error_message_; }

 private:
  enum class State : std::uint8_t {
    bom0,  // the very first byte: maybe a byte order mark
    bom1,
    bom2,
    start,  // between tokens: skipping whitespace
    literal,
    string,
    escape,
    hex1,             // the 4 hex digits after \u
    surrogate_slash,  // after a high surrogate: the '\' of its low one
    surrogate_u,
    hex2,  // the low surrogate's 4 hex digits
    utf8,  // the continuation bytes of a UTF-8 sequence
    number_minus,
    number_zero,
    number_any1,
    number_decimal1,
    number_decimal2,
    number_exponent,
    number_sign,
    number_any2,
  };

  // The bookkeeping of nlohmann's get() and unget() for one character (-1: end of input).
  void got(int c);
  void unget(int c);
  // A token starts with the current character `c` (the end of skip_whitespace).
  Token dispatch(int c);
  void reset(int c);
  Token finish_number();
  Token fail(const char* message) {
    error_message_ = message;
    state_ = State::start;
    return Token::parse_error;
  }

  State state_ = State::bom0;
  nlohmann::detail::position_t position_;
  std::string token_string_;  // raw bytes; spelled out by token_string()
  std::string token_buffer_;
  const char* error_message_ = "";
  nlohmann::json::number_integer_t value_integer_ = 0;
  nlohmann::json::number_unsigned_t value_unsigned_ = 0;
  nlohmann::json::number_float_t value_float_ = 0;
  char decimal_point_;
  Token number_type_ = Token::value_unsigned;
  // literal: the literal's text, its length, how much of it came, and its token.
  const char* literal_ = nullptr;
  std::uint8_t literal_length_ = 0;
  std::uint8_t literal_read_ = 0;
  Token literal_token_ = Token::literal_null;
  // hex1/hex2: the digits read so far and their value; hex2 keeps the high surrogate.
  int hex_digits_ = 0;
  int codepoint_ = 0;
  int codepoint1_ = 0;
  // utf8: the ranges still to check (pairs of bounds).
  const int* ranges_ = nullptr;
  const int* ranges_end_ = nullptr;
};

// `Sax` is a handler of nlohmann's SAX events (see nlohmann::json_sax): feed() and finish()
// call it as json::sax_parse(..., input_format_t::json, strict = true) would over the
// concatenation of everything fed. Not reentrant from the handler.
template <class Sax>
class PushParser {
 public:
  explicit PushParser(Sax& sax) : sax_(sax) { states_.reserve(16); }

  // Parses on with `size` more bytes. Returns false once the parse has ended early (an error,
  // or a handler that returned false); later bytes are then ignored, as they are once the
  // strict end check has met a NUL byte (which nlohmann reads as the end of input).
  bool feed(const char* data, std::size_t size) {
    const char* p = data;
    const char* end = data + size;
    while (expect_ != Expect::stopped) {
      const Token token = lexer_.next(p, end, false);
      if (token == Token::uninitialized) break;
      on_token(token);
    }
    return expect_ != Expect::stopped || result_;
  }

  // The end of input: returns what json::sax_parse returns for everything fed.
  bool finish() {
    const char* none = nullptr;
    while (expect_ != Expect::stopped) on_token(lexer_.next(none, none, true));
    return result_;
  }

 private:
  using Token = PushLexer::Token;
  enum class Expect : std::uint8_t {
    value,            // the top of nlohmann's loop: a value
    first_in_object,  // after '{': a key or '}'
    colon,
    first_in_array,  // after '[': a value or ']'
    after_value,     // in an array or an object: ',' or its end
    key,             // after ',' in an object
    end,             // the strict check: the end of input
    stopped,
  };

  void stop(bool result) {
    result_ = result;
    expect_ = Expect::stopped;
  }

  // The state after a value: nlohmann's "skip_to_state_evaluation".
  void value_done() { expect_ = states_.empty() ? Expect::end : Expect::after_value; }

  void close(bool ok) {
    if (!ok) return stop(false);
    states_.pop_back();
    value_done();
  }

  void on_token(Token token) {
    last_token_ = token;
    switch (expect_) {
      case Expect::value:
        return on_value(token);
      case Expect::first_in_object:
        if (token == Token::end_object) return close(sax_.end_object());
        return on_key(token);
      case Expect::key:
        return on_key(token);
      case Expect::colon:
        if (token != Token::name_separator) {
          return error(Token::name_separator, "object separator");
        }
        expect_ = Expect::value;
        return;
      case Expect::first_in_array:
        if (token == Token::end_array) return close(sax_.end_array());
        expect_ = Expect::value;
        return on_value(token);
      case Expect::after_value:
        if (states_.back()) {
          if (token == Token::value_separator) {
            expect_ = Expect::value;
            return;
          }
          if (token == Token::end_array) return close(sax_.end_array());
          return error(Token::end_array, "array");
        }
        if (token == Token::value_separator) {
          expect_ = Expect::key;
          return;
        }
        if (token == Token::end_object) return close(sax_.end_object());
        return error(Token::end_object, "object");
      case Expect::end:
        if (token != Token::end_of_input) return error(Token::end_of_input, "value");
        return stop(true);
      case Expect::stopped:
        return;
    }
  }

  void on_key(Token token) {
    if (token != Token::value_string) return error(Token::value_string, "object key");
    if (!sax_.key(lexer_.string())) return stop(false);
    expect_ = Expect::colon;
  }

  void on_value(Token token) {
    bool ok = true;
    switch (token) {
      case Token::begin_object:
        if (!sax_.start_object(static_cast<std::size_t>(-1))) return stop(false);
        states_.push_back(false);
        expect_ = Expect::first_in_object;
        return;
      case Token::begin_array:
        if (!sax_.start_array(static_cast<std::size_t>(-1))) return stop(false);
        states_.push_back(true);
        expect_ = Expect::first_in_array;
        return;
      case Token::value_float: {
        const auto value = lexer_.number_float();
        if (!std::isfinite(value)) {
          return stop(sax_.parse_error(
              lexer_.position(), lexer_.token_string(),
              nlohmann::json::out_of_range::create(
                  406, "number overflow parsing '" + lexer_.token_string() + "'", nullptr)));
        }
        ok = sax_.number_float(value, lexer_.string());
        break;
      }
      case Token::literal_false:
        ok = sax_.boolean(false);
        break;
      case Token::literal_null:
        ok = sax_.null();
        break;
      case Token::literal_true:
        ok = sax_.boolean(true);
        break;
      case Token::value_integer:
        ok = sax_.number_integer(lexer_.number_integer());
        break;
      case Token::value_string:
        ok = sax_.string(lexer_.string());
        break;
      case Token::value_unsigned:
        ok = sax_.number_unsigned(lexer_.number_unsigned());
        break;
      case Token::parse_error:
        return error(Token::uninitialized, "value");
      default:
        return error(Token::literal_or_value, "value");
    }
    if (!ok) return stop(false);
    value_done();
  }

  // nlohmann's parser::exception_message, and the parse_error it makes of it.
  void error(Token expected, const char* context) {
    std::string message = "syntax error while parsing ";
    message += context;
    message += " - ";
    if (last_token_ == Token::parse_error) {
      message += lexer_.error_message();
      message += "; last read: '";
      message += lexer_.token_string();
      message += '\'';
    } else {
      message += "unexpected ";
      message += nlohmann::detail::lexer_base<nlohmann::json>::token_type_name(last_token_);
    }
    if (expected != Token::uninitialized) {
      message += "; expected ";
      message += nlohmann::detail::lexer_base<nlohmann::json>::token_type_name(expected);
    }
    stop(sax_.parse_error(
        lexer_.position(), lexer_.token_string(),
        nlohmann::json::parse_error::create(101, lexer_.position(), message, nullptr)));
  }

  Sax& sax_;
  PushLexer lexer_;
  std::vector<bool> states_;  // the open containers: true for an array
  Expect expect_ = Expect::value;
  Token last_token_ = Token::uninitialized;
  bool result_ = false;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_DECODE_PUSH_PARSER_HPP_
