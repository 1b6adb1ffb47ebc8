#!/usr/bin/env bash
# StorefrontCheckout with curl: a storefront signs a registered customer in (authorization code + PKCE, walking the
# hosted sign-in and consent pages as a browser would), fills a cart with the first two listings matching a word,
# checks out and pays with idempotency keys, and prints the order. Needs curl, jq and openssl.
#
#   examples/storefront-checkout.sh http://localhost:8080 storefrontClientId storefrontSecret \
#       https://shop.example/signed-in customer@example.jp 'customer password' tea
set -euo pipefail
api=$1 client=$2 secret=$3 redirect=$4 email=$5 password=$6 words=${7:-tea}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
urlencode() { jq -rn --arg v "$1" '$v|@uri'; }
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1; }

# 1. The storefront's own token: browse the catalog.
shop_token=$(curl -sf -u "$client:$secret" -d grant_type=client_credentials "$api/oauth2/token" | jq -r .access_token)
variants=$(curl -sf -H "Authorization: Bearer $shop_token" "$api/v1/listings?q=$(urlencode "$words")&inStock=true&limit=2" \
  | jq -r '.items[].variants[0].id')

# 2. PKCE: a random verifier kept here, its S256 challenge sent with the authorization request.
verifier=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n')
challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | openssl base64 | tr '+/' '-_' | tr -d '=\n')
state=$(openssl rand -hex 16)
page=$(curl -sf -c "$jar" "$api/oauth2/authorize?response_type=code&client_id=$(urlencode "$client")&redirect_uri=$(urlencode "$redirect")&scope=$(urlencode 'cart:write orders:read orders:write')&code_challenge=$challenge&code_challenge_method=S256&state=$state")
consent=$(curl -sf -b "$jar" -c "$jar" --data-urlencode "csrf=$(csrf <<<"$page")" --data-urlencode "email=$email" \
  --data-urlencode "password=$password" "$api/oauth2/authorize/sign-in")
back=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" --data-urlencode "csrf=$(csrf <<<"$consent")" \
  -d decision=allow "$api/oauth2/authorize/consent")
[[ $back == *"state=$state"* ]] || { echo "not our sign-in's answer: $back" >&2; exit 1; }
code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$back")
customer_token=$(curl -sf -u "$client:$secret" -d grant_type=authorization_code --data-urlencode "code=$code" \
  --data-urlencode "redirect_uri=$redirect" --data-urlencode "code_verifier=$verifier" "$api/oauth2/token" | jq -r .access_token)
as_customer=(-sf -H "Authorization: Bearer $customer_token" -H 'Content-Type: application/json')

# 3. One cart across merchants, checkout and payment; the keys make a repeated click or a retry act once.
cart=$(curl "${as_customer[@]}" -d '{}' "$api/v1/carts" | jq -r .id)
for variant in $variants; do
  curl "${as_customer[@]}" -X PUT -d '{"quantity":1}' "$api/v1/carts/$cart/lines/$variant" >/dev/null
done
order=$(curl "${as_customer[@]}" -H "Idempotency-Key: checkout-$cart" -d "{\"cartId\":\"$cart\",\"shippingAddress\":{\"name\":\"Sato Yui\",\"country\":\"JP\",\"postalCode\":\"150-0001\",\"region\":\"Tokyo\",\"locality\":\"Shibuya-ku\",\"line1\":\"1-2-3 Jingumae\",\"phone\":\"+81 3-1234-5678\"}}" \
  "$api/v1/orders" | jq -r .id)
curl "${as_customer[@]}" -H "Idempotency-Key: pay-$order" -d '{"paymentMethod":"pm_card_ok"}' "$api/v1/orders/$order/payments" >/dev/null
curl "${as_customer[@]}" "$api/v1/orders/$order" | jq '{id, status, total, subOrders: [.subOrders[] | {merchantId, status, total}]}'
