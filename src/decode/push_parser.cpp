// nlohmann's lexer (3.11.2, detail/input/lexer.hpp) as a push machine: see push_parser.hpp.
// Each state is one of the lexer's loops or labels; each character goes through got() (its
// get()) once, and a number's end through unget(), so positions and token strings come out
// as nlohmann counts them.

#include "decode/push_parser.hpp"

#include <array>
#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>

namespace pixxel::internal {
namespace {

using Token = PushLexer::Token;

constexpr int kEnd = -1;  // std::char_traits<char>::eof()

const std::array<const char*, 32> kControlCharacter = {{
    "invalid string: control character U+0000 (NUL) must be escaped to \\u0000",
    "invalid string: control character U+0001 (SOH) must be escaped to \\u0001",
    "invalid string: control character U+0002 (STX) must be escaped to \\u0002",
    "invalid string: control character U+0003 (ETX) must be escaped to \\u0003",
    "invalid string: control character U+0004 (EOT) must be escaped to \\u0004",
    "invalid string: control character U+0005 (ENQ) must be escaped to \\u0005",
    "invalid string: control character U+0006 (ACK) must be escaped to \\u0006",
    "invalid string: control character U+0007 (BEL) must be escaped to \\u0007",
    "invalid string: control character U+0008 (BS) must be escaped to \\u0008 or \\b",
    "invalid string: control character U+0009 (HT) must be escaped to \\u0009 or \\t",
    "invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n",
    "invalid string: control character U+000B (VT) must be escaped to \\u000B",
    "invalid string: control character U+000C (FF) must be escaped to \\u000C or \\f",
    "invalid string: control character U+000D (CR) must be escaped to \\u000D or \\r",
    "invalid string: control character U+000E (SO) must be escaped to \\u000E",
    "invalid string: control character U+000F (SI) must be escaped to \\u000F",
    "invalid string: control character U+0010 (DLE) must be escaped to \\u0010",
    "invalid string: control character U+0011 (DC1) must be escaped to \\u0011",
    "invalid string: control character U+0012 (DC2) must be escaped to \\u0012",
    "invalid string: control character U+0013 (DC3) must be escaped to \\u0013",
    "invalid string: control character U+0014 (DC4) must be escaped to \\u0014",
    "invalid string: control character U+0015 (NAK) must be escaped to \\u0015",
    "invalid string: control character U+0016 (SYN) must be escaped to \\u0016",
    "invalid string: control character U+0017 (ETB) must be escaped to \\u0017",
    "invalid string: control character U+0018 (CAN) must be escaped to \\u0018",
    "invalid string: control character U+0019 (EM) must be escaped to \\u0019",
    "invalid string: control character U+001A (SUB) must be escaped to \\u001A",
    "invalid string: control character U+001B (ESC) must be escaped to \\u001B",
    "invalid string: control character U+001C (FS) must be escaped to \\u001C",
    "invalid string: control character U+001D (GS) must be escaped to \\u001D",
    "invalid string: control character U+001E (RS) must be escaped to \\u001E",
    "invalid string: control character U+001F (US) must be escaped to \\u001F",
}};

// next_byte_in_range's ranges, per lead byte of a multi-byte UTF-8 sequence.
constexpr int kRange2[] = {0x80, 0xBF};
constexpr int kRangeE0[] = {0xA0, 0xBF, 0x80, 0xBF};
constexpr int kRange3[] = {0x80, 0xBF, 0x80, 0xBF};
constexpr int kRangeED[] = {0x80, 0x9F, 0x80, 0xBF};
constexpr int kRangeF0[] = {0x90, 0xBF, 0x80, 0xBF, 0x80, 0xBF};
constexpr int kRange4[] = {0x80, 0xBF, 0x80, 0xBF, 0x80, 0xBF};
constexpr int kRangeF4[] = {0x80, 0x8F, 0x80, 0xBF, 0x80, 0xBF};

constexpr const char* kIllFormedUtf8 = "invalid string: ill-formed UTF-8 byte";
constexpr const char* kHexDigits = "invalid string: '\\u' must be followed by 4 hex digits";
constexpr const char* kLowSurrogate =
    "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";

int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A byte a string takes as it is, with nothing to check: the bulk of any string.
bool plain(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
}

bool digit(int c) { return c >= '0' && c <= '9'; }

void add_codepoint(std::string& out, int codepoint) {
  const auto cp = static_cast<unsigned int>(codepoint);
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(static_cast<char>(0xC0u | (cp >> 6u)));
    out.push_back(static_cast<char>(0x80u | (cp & 0x3Fu)));
  } else if (cp <= 0xFFFF) {
    out.push_back(static_cast<char>(0xE0u | (cp >> 12u)));
    out.push_back(static_cast<char>(0x80u | ((cp >> 6u) & 0x3Fu)));
    out.push_back(static_cast<char>(0x80u | (cp & 0x3Fu)));
  } else {
    out.push_back(static_cast<char>(0xF0u | (cp >> 18u)));
    out.push_back(static_cast<char>(0x80u | ((cp >> 12u) & 0x3Fu)));
    out.push_back(static_cast<char>(0x80u | ((cp >> 6u) & 0x3Fu)));
    out.push_back(static_cast<char>(0x80u | (cp & 0x3Fu)));
  }
}

}  // namespace

PushLexer::PushLexer() {
  // As nlohmann's lexer: numbers are converted with the C library, in the current locale.
  const std::lconv* loc = std::localeconv();
  decimal_point_ = loc->decimal_point == nullptr ? '.' : *loc->decimal_point;
}

void PushLexer::got(int c) {
  ++position_.chars_read_total;
  ++position_.chars_read_current_line;
  if (c != kEnd) token_string_.push_back(static_cast<char>(c));
  if (c == '\n') {
    ++position_.lines_read;
    position_.chars_read_current_line = 0;
  }
}

void PushLexer::unget(int c) {
  --position_.chars_read_total;
  if (position_.chars_read_current_line == 0) {
    if (position_.lines_read > 0) --position_.lines_read;
  } else {
    --position_.chars_read_current_line;
  }
  if (c != kEnd) token_string_.pop_back();
}

void PushLexer::reset(int c) {
  token_buffer_.clear();
  token_string_.clear();
  token_string_.push_back(static_cast<char>(c));
}

std::string PushLexer::token_string() const {
  std::string result;
  result.reserve(token_string_.size());
  for (const char c : token_string_) {
    if (static_cast<unsigned char>(c) <= 0x1F) {
      std::array<char, 9> cs{{}};
      std::snprintf(cs.data(), cs.size(), "<U+%.4X>",
                    static_cast<unsigned int>(static_cast<unsigned char>(c)));
      result += cs.data();
    } else {
      result.push_back(c);
    }
  }
  return result;
}

Token PushLexer::dispatch(int c) {
  switch (c) {
    case '[':
      return Token::begin_array;
    case ']':
      return Token::end_array;
    case '{':
      return Token::begin_object;
    case '}':
      return Token::end_object;
    case ':':
      return Token::name_separator;
    case ',':
      return Token::value_separator;
    case 't':
      literal_ = "true";
      literal_length_ = 4;
      literal_token_ = Token::literal_true;
      break;
    case 'f':
      literal_ = "false";
      literal_length_ = 5;
      literal_token_ = Token::literal_false;
      break;
    case 'n':
      literal_ = "null";
      literal_length_ = 4;
      literal_token_ = Token::literal_null;
      break;
    case '"':
      reset(c);
      state_ = State::string;
      return Token::uninitialized;
    case '-':
      reset(c);
      token_buffer_.push_back('-');
      number_type_ = Token::value_integer;
      state_ = State::number_minus;
      return Token::uninitialized;
    case '0':
      reset(c);
      token_buffer_.push_back('0');
      number_type_ = Token::value_unsigned;
      state_ = State::number_zero;
      return Token::uninitialized;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      reset(c);
      token_buffer_.push_back(static_cast<char>(c));
      number_type_ = Token::value_unsigned;
      state_ = State::number_any1;
      return Token::uninitialized;
    case '\0':
    case kEnd:
      return Token::end_of_input;
    default:
      return fail("invalid literal");
  }
  literal_read_ = 1;
  state_ = State::literal;
  return Token::uninitialized;
}

Token PushLexer::finish_number() {
  // As nlohmann: the C library's conversions, an integer that does not fit becoming a float.
  char* endptr = nullptr;
  errno = 0;
  if (number_type_ == Token::value_unsigned) {
    const auto x = std::strtoull(token_buffer_.c_str(), &endptr, 10);
    if (errno == 0) {
      value_unsigned_ = static_cast<nlohmann::json::number_unsigned_t>(x);
      if (value_unsigned_ == x) return Token::value_unsigned;
    }
  } else if (number_type_ == Token::value_integer) {
    const auto x = std::strtoll(token_buffer_.c_str(), &endptr, 10);
    if (errno == 0) {
      value_integer_ = static_cast<nlohmann::json::number_integer_t>(x);
      if (value_integer_ == x) return Token::value_integer;
    }
  }
  value_float_ = std::strtod(token_buffer_.c_str(), &endptr);
  return Token::value_float;
}

Token PushLexer::next(const char*& p, const char* end, bool at_end) {
  for (;;) {
    int c = kEnd;
    if (p != end) {
      c = static_cast<unsigned char>(*p);
    } else if (!at_end) {
      return Token::uninitialized;
    }
    if (state_ == State::string && c != kEnd && plain(static_cast<char>(c))) {
      // The bulk of a string at once: no newline, so only the counts move.
      const char* run_end = p + 1;
      while (run_end != end && plain(*run_end)) ++run_end;
      const auto n = static_cast<std::size_t>(run_end - p);
      token_buffer_.append(p, n);
      token_string_.append(p, n);
      position_.chars_read_total += n;
      position_.chars_read_current_line += n;
      p = run_end;
      continue;
    }
    got(c);
    if (c != kEnd) ++p;
    switch (state_) {
      case State::bom0:
        if (c == 0xEF) {
          state_ = State::bom1;
          break;
        }
        unget(c);
        if (c != kEnd) --p;
        state_ = State::start;
        break;
      case State::bom1:
        if (c != 0xBB) return fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
        state_ = State::bom2;
        break;
      case State::bom2:
        if (c != 0xBF) return fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
        state_ = State::start;
        break;
      case State::start: {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') break;
        const Token token = dispatch(c);
        if (token != Token::uninitialized) return token;
        break;
      }
      case State::literal:
        // nlohmann compares the character made of what get() returned: the end of input
        // becomes 0xFF, which no literal holds.
        if (static_cast<char>(c) != literal_[literal_read_]) return fail("invalid literal");
        if (++literal_read_ == literal_length_) {
          state_ = State::start;
          return literal_token_;
        }
        break;
      case State::string:
        switch (c) {
          case kEnd:
            return fail("invalid string: missing closing quote");
          case '"':
            state_ = State::start;
            return Token::value_string;
          case '\\':
            state_ = State::escape;
            break;
          default:
            if (c < 0x20) return fail(kControlCharacter[static_cast<std::size_t>(c)]);
            if (c < 0x80) {
              token_buffer_.push_back(static_cast<char>(c));
              break;
            }
            if (c >= 0xC2 && c <= 0xDF) {
              ranges_ = kRange2;
              ranges_end_ = kRange2 + 2;
            } else if (c == 0xE0) {
              ranges_ = kRangeE0;
              ranges_end_ = kRangeE0 + 4;
            } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
              ranges_ = kRange3;
              ranges_end_ = kRange3 + 4;
            } else if (c == 0xED) {
              ranges_ = kRangeED;
              ranges_end_ = kRangeED + 4;
            } else if (c == 0xF0) {
              ranges_ = kRangeF0;
              ranges_end_ = kRangeF0 + 6;
            } else if (c >= 0xF1 && c <= 0xF3) {
              ranges_ = kRange4;
              ranges_end_ = kRange4 + 6;
            } else if (c == 0xF4) {
              ranges_ = kRangeF4;
              ranges_end_ = kRangeF4 + 6;
            } else {
              return fail(kIllFormedUtf8);
            }
            token_buffer_.push_back(static_cast<char>(c));
            state_ = State::utf8;
            break;
        }
        break;
      case State::utf8:
        if (c < ranges_[0] || c > ranges_[1]) return fail(kIllFormedUtf8);
        token_buffer_.push_back(static_cast<char>(c));
        ranges_ += 2;
        if (ranges_ == ranges_end_) state_ = State::string;
        break;
      case State::escape: {
        char out = 0;
        switch (c) {
          case '"':
            out = '"';
            break;
          case '\\':
            out = '\\';
            break;
          case '/':
            out = '/';
            break;
          case 'b':
            out = '\b';
            break;
          case 'f':
            out = '\f';
            break;
          case 'n':
            out = '\n';
            break;
          case 'r':
            out = '\r';
            break;
          case 't':
            out = '\t';
            break;
          case 'u':
            hex_digits_ = 0;
            codepoint_ = 0;
            state_ = State::hex1;
            continue;
          default:
            return fail("invalid string: forbidden character after backslash");
        }
        token_buffer_.push_back(out);
        state_ = State::string;
        break;
      }
      case State::hex1:
      case State::hex2: {
        const int value = hex_value(c);
        if (value < 0) return fail(kHexDigits);
        codepoint_ += value << (12 - 4 * hex_digits_);
        if (++hex_digits_ < 4) break;
        if (state_ == State::hex1) {
          if (codepoint_ >= 0xD800 && codepoint_ <= 0xDBFF) {
            codepoint1_ = codepoint_;
            state_ = State::surrogate_slash;
            break;
          }
          if (codepoint_ >= 0xDC00 && codepoint_ <= 0xDFFF) {
            return fail("invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF");
          }
          add_codepoint(token_buffer_, codepoint_);
        } else {
          if (codepoint_ < 0xDC00 || codepoint_ > 0xDFFF) return fail(kLowSurrogate);
          add_codepoint(token_buffer_,
                        static_cast<int>((static_cast<unsigned int>(codepoint1_) << 10u) +
                                         static_cast<unsigned int>(codepoint_) - 0x35FDC00u));
        }
        state_ = State::string;
        break;
      }
      case State::surrogate_slash:
        if (c != '\\') return fail(kLowSurrogate);
        state_ = State::surrogate_u;
        break;
      case State::surrogate_u:
        if (c != 'u') return fail(kLowSurrogate);
        hex_digits_ = 0;
        codepoint_ = 0;
        state_ = State::hex2;
        break;
      case State::number_minus:
        if (!digit(c)) return fail("invalid number; expected digit after '-'");
        token_buffer_.push_back(static_cast<char>(c));
        state_ = c == '0' ? State::number_zero : State::number_any1;
        break;
      case State::number_zero:
      case State::number_any1:
      case State::number_decimal2:
      case State::number_any2:
        if (digit(c) && state_ != State::number_zero) {
          token_buffer_.push_back(static_cast<char>(c));
          break;
        }
        if (c == '.' && (state_ == State::number_zero || state_ == State::number_any1)) {
          token_buffer_.push_back(decimal_point_);
          number_type_ = Token::value_float;
          state_ = State::number_decimal1;
          break;
        }
        if ((c == 'e' || c == 'E') && state_ != State::number_any2) {
          token_buffer_.push_back(static_cast<char>(c));
          number_type_ = Token::value_float;
          state_ = State::number_exponent;
          break;
        }
        // scan_number_done: the character after the number is the next token's.
        unget(c);
        if (c != kEnd) --p;
        state_ = State::start;
        return finish_number();
      case State::number_decimal1:
        if (!digit(c)) return fail("invalid number; expected digit after '.'");
        token_buffer_.push_back(static_cast<char>(c));
        state_ = State::number_decimal2;
        break;
      case State::number_exponent:
        if (c == '+' || c == '-') {
          token_buffer_.push_back(static_cast<char>(c));
          state_ = State::number_sign;
          break;
        }
        if (!digit(c)) {
          return fail("invalid number; expected '+', '-', or digit after exponent");
        }
        token_buffer_.push_back(static_cast<char>(c));
        state_ = State::number_any2;
        break;
      case State::number_sign:
        if (!digit(c)) return fail("invalid number; expected digit after exponent sign");
        token_buffer_.push_back(static_cast<char>(c));
        state_ = State::number_any2;
        break;
    }
  }
}

}  // namespace pixxel::internal
