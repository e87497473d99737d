// The Boost.Asio and Boost.Beast headers of the HTTP transport, in one place.
// GCC 12 at -O2 reports -Wmaybe-uninitialized inside Boost 1.74's optional as
// inlined into Beast's parser (a false positive in a system header that
// -Werror would turn into a build failure); the pragma scopes the exemption
// to these headers, so our own code keeps the warning.
#ifndef HAMSTER_S3_SRC_HTTP_BEAST_H_
#define HAMSTER_S3_SRC_HTTP_BEAST_H_

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>
#pragma GCC diagnostic pop

#endif  // HAMSTER_S3_SRC_HTTP_BEAST_H_
