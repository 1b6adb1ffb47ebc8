package dev.marketplace.server.customers;

import dev.marketplace.server.platform.security.Scopes;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hosted pages in Japanese and English: plain HTML with inline CSS, readable on a phone, no script.
 * Every value from outside is escaped.
 */
final class SignInPages {

    static final String DEFAULT_LOCALE = "en";

    private static final Map<String, Map<String, String>> TEXT = Map.of(
            "en", Map.ofEntries(
                    Map.entry("title", "Sign in to Marketplace"),
                    Map.entry("asks", "%s asks to act for you."),
                    Map.entry("email", "Email"),
                    Map.entry("password", "Password"),
                    Map.entry("signIn", "Sign in"),
                    Map.entry("refused", "The email or password is not right."),
                    Map.entry("unverified", "Verify your email address first: use the code we mailed you."),
                    Map.entry("throttled", "Too many failed sign-ins. Wait 15 minutes and try again."),
                    Map.entry("consentTitle", "Allow access?"),
                    Map.entry("consentAsks", "%s would like to:"),
                    Map.entry("allow", "Allow"),
                    Map.entry("deny", "Deny"),
                    Map.entry("revokeLater", "You can withdraw this at any time in your account."),
                    Map.entry("errorTitle", "This sign-in cannot continue"),
                    Map.entry("unknown_client", "The application that sent you here is not known to Marketplace."),
                    Map.entry("redirect_uri", "The application sent you here with an address it did not register."),
                    Map.entry("repeated", "The sign-in link is malformed: a parameter is repeated."),
                    Map.entry("session", "This sign-in has expired or was already finished. Go back to the application and start again."),
                    Map.entry(Scopes.CUSTOMERS_READ, "see your profile, addresses and the applications you allowed"),
                    Map.entry(Scopes.CUSTOMERS_WRITE, "change your profile and addresses, and close or erase your account"),
                    Map.entry(Scopes.POINTS_EXCHANGE, "exchange your points with its own loyalty programme"),
                    Map.entry(Scopes.CART_WRITE, "fill your shopping cart"),
                    Map.entry(Scopes.ORDERS_READ, "see your orders"),
                    Map.entry(Scopes.ORDERS_WRITE, "place, pay for and cancel orders in your name"),
                    Map.entry(Scopes.REVIEWS_READ, "see your reviews"),
                    Map.entry(Scopes.REVIEWS_WRITE, "review what you bought and change those reviews in your name")),
            "ja", Map.ofEntries(
                    Map.entry("title", "マーケットプレイスにログイン"),
                    Map.entry("asks", "%s があなたの代わりに操作する許可を求めています。"),
                    Map.entry("email", "メールアドレス"),
                    Map.entry("password", "パスワード"),
                    Map.entry("signIn", "ログイン"),
                    Map.entry("refused", "メールアドレスまたはパスワードが正しくありません。"),
                    Map.entry("unverified", "先にメールアドレスを確認してください（お送りした確認コードをご利用ください）。"),
                    Map.entry("throttled", "ログインの失敗が続いたため、一時的に制限しています。15分後にもう一度お試しください。"),
                    Map.entry("consentTitle", "アクセスを許可しますか？"),
                    Map.entry("consentAsks", "%s が次のことを求めています："),
                    Map.entry("allow", "許可する"),
                    Map.entry("deny", "拒否する"),
                    Map.entry("revokeLater", "この許可はアカウント設定からいつでも取り消せます。"),
                    Map.entry("errorTitle", "このログインは続行できません"),
                    Map.entry("unknown_client", "リンク元のアプリケーションはマーケットプレイスに登録されていません。"),
                    Map.entry("redirect_uri", "リンク元のアプリケーションが登録されていない戻り先を指定しました。"),
                    Map.entry("repeated", "ログインのリンクが正しくありません（パラメーターが重複しています）。"),
                    Map.entry("session", "このログインは期限切れか、すでに完了しています。アプリケーションに戻ってやり直してください。"),
                    Map.entry(Scopes.CUSTOMERS_READ, "プロフィール、住所、許可したアプリケーションの閲覧"),
                    Map.entry(Scopes.CUSTOMERS_WRITE, "プロフィールと住所の変更、アカウントの解約・削除"),
                    Map.entry(Scopes.POINTS_EXCHANGE, "ポイントを提携先のポイントと交換"),
                    Map.entry(Scopes.CART_WRITE, "ショッピングカートへの商品の追加"),
                    Map.entry(Scopes.ORDERS_READ, "注文の閲覧"),
                    Map.entry(Scopes.ORDERS_WRITE, "あなたの名前での注文・支払い・キャンセル"),
                    Map.entry(Scopes.REVIEWS_READ, "レビューの閲覧"),
                    Map.entry(Scopes.REVIEWS_WRITE, "購入した商品のレビューの投稿・変更")));

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;background:#f5f5f5;color:#222}
            main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0002}
            h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
            input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.7rem;font-size:1rem;border:1px solid #999;border-radius:.3rem}
            button{width:100%;padding:.8rem;margin-top:1rem;font-size:1rem;border:0;border-radius:.3rem;background:#bf0000;color:#fff}
            button.secondary{background:#ddd;color:#222}.message{background:#fde8e8;padding:.7rem;border-radius:.3rem}
            ul{padding-left:1.2rem}small{color:#555}
            """;

    private SignInPages() {
    }

    /** {@code ui_locales} first (RFC 6749 extension used by OpenID Connect), then Accept-Language; English otherwise. */
    static String locale(String uiLocales, String acceptLanguage) {
        for (String source : new String[] {uiLocales, acceptLanguage}) {
            if (source == null) {
                continue;
            }
            for (String tag : source.split("[ ,]+")) {
                String language = tag.split("[;-]", 2)[0].strip().toLowerCase(Locale.ROOT);
                if (TEXT.containsKey(language)) {
                    return language;
                }
            }
        }
        return DEFAULT_LOCALE;
    }

    static String signIn(String locale, String clientName, String csrf, String message, String email) {
        return page(locale, text(locale, "title"), """
                <p>%s</p>%s
                <form method="post" action="/oauth2/authorize/sign-in">
                <input type="hidden" name="csrf" value="%s">
                <label for="email">%s</label><input id="email" name="email" type="email" autocomplete="username" required value="%s">
                <label for="password">%s</label><input id="password" name="password" type="password" autocomplete="current-password" required>
                <button id="sign-in" type="submit">%s</button>
                </form>""".formatted(
                escape(text(locale, "asks").formatted(clientName)),
                message == null ? "" : "<p class=\"message\" id=\"message\" role=\"alert\">" + escape(text(locale, message)) + "</p>",
                escape(csrf), escape(text(locale, "email")), escape(email), escape(text(locale, "password")),
                escape(text(locale, "signIn"))));
    }

    static String consent(String locale, String clientName, List<String> scopes, String csrf) {
        StringBuilder items = new StringBuilder();
        scopes.stream().sorted().forEach(scope -> items.append("<li>").append(escape(text(locale, scope)))
                .append(" <small>(").append(escape(scope)).append(")</small></li>"));
        return page(locale, text(locale, "consentTitle"), """
                <p>%s</p><ul id="scopes">%s</ul>
                <form method="post" action="/oauth2/authorize/consent">
                <input type="hidden" name="csrf" value="%s">
                <button id="allow" type="submit" name="decision" value="allow">%s</button>
                <button id="deny" class="secondary" type="submit" name="decision" value="deny">%s</button>
                </form><p><small>%s</small></p>""".formatted(
                escape(text(locale, "consentAsks").formatted(clientName)), items, escape(csrf),
                escape(text(locale, "allow")), escape(text(locale, "deny")), escape(text(locale, "revokeLater"))));
    }

    static String error(String locale, String reason) {
        return page(locale, text(locale, "errorTitle"),
                "<p class=\"message\" id=\"message\">" + escape(text(locale, reason)) + "</p>");
    }

    private static String page(String locale, String title, String body) {
        return """
                <!DOCTYPE html>
                <html lang="%s"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title><style>%s</style></head>
                <body><main><h1>%s</h1>%s</main></body></html>
                """.formatted(locale, escape(title), STYLE, escape(title), body);
    }

    private static String text(String locale, String key) {
        return TEXT.get(locale).getOrDefault(key, key);
    }

    static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
