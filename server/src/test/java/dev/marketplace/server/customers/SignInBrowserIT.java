package dev.marketplace.server.customers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.CustomersApi;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestCustomers.Tokens;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The hosted sign-in page end to end in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs and requires; skipped elsewhere where they are missing): a storefront sends the
 * customer's browser to the authorization endpoint, the customer signs in and consents, the browser lands on the
 * storefront's redirect URI (a small local HTTP server here) with the code and state, the storefront exchanges
 * the code, and the token reads only that customer's data.
 */
class SignInBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static HttpServer storefrontCallback;
    private static final List<URI> callbacks = new CopyOnWriteArrayList<>();
    private static TestCustomers customers;
    private static SignInClient storefront;
    private static UUID hanako;
    private static UUID taro;

    private WebDriver browser;
    private Path profile;

    @BeforeAll
    static void storefrontWithItsCallback() throws Exception {
        boolean browserPresent = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)";
        // CI installs the browser and sets this, so a failed install fails the build instead of skipping the test.
        if ("true".equals(System.getenv("BROWSER_TESTS_REQUIRED")) && !browserPresent) {
            throw new IllegalStateException(missing);
        }
        assumeTrue(browserPresent, missing);
        storefrontCallback = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        storefrontCallback.createContext("/callback", exchange -> {
            callbacks.add(exchange.getRequestURI());
            byte[] page = "<!DOCTYPE html><title>Shop</title><p id=\"done\">Back at the shop</p>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        storefrontCallback.start();
        customers = new TestCustomers(server);
        storefront = customers.storefront("Sakura Shop",
                "http://127.0.0.1:" + storefrontCallback.getAddress().getPort() + "/callback");
        hanako = customers.registerVerified(storefront, "hanako@example.jp");
        taro = customers.registerVerified(storefront, "taro@example.jp");
    }

    @AfterAll
    static void stopCallback() {
        if (storefrontCallback != null) {
            storefrontCallback.stop(0);
        }
    }

    @BeforeEach
    void startBrowser() throws IOException {
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking switches Chromium hangs on a closed network.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        callbacks.clear();
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (UncheckedIOException e) {
            // a leftover temporary profile is harmless
        }
    }

    @Test
    void aCustomerSignsInOnAPhoneSizedPageConsentsAndTheStorefrontReadsOnlyTheirData() throws Exception {
        browser.manage().window().setSize(new Dimension(390, 844));
        String verifier = TestCustomers.newVerifier();
        browser.get(server.baseUri() + TestCustomers.authorizationPath(storefront.clientId(), storefront.redirectUri(),
                "customers:read", TestCustomers.challengeOf(verifier), "state-123") + "&ui_locales=ja");

        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("マーケットプレイスにログイン");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("Sakura Shop");
        var email = browser.findElement(By.id("email"));
        assertThat(email.getSize().getWidth()).as("the form fits a phone's screen").isLessThanOrEqualTo(390);

        email.sendKeys("hanako@example.jp");
        browser.findElement(By.id("password")).sendKeys("a wrong password");
        browser.findElement(By.id("sign-in")).click();
        assertThat(shown(By.id("message")).getText()).contains("正しくありません");

        browser.findElement(By.id("password")).sendKeys(TestCustomers.PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        assertThat(shown(By.id("scopes")).getText()).contains("customers:read");
        browser.findElement(By.id("allow")).click();

        new WebDriverWait(browser, Duration.ofSeconds(20)).until(driver -> !callbacks.isEmpty());
        assertThat(shown(By.id("done")).getText()).isEqualTo("Back at the shop");
        Map<String, String> back = TestCustomers.queryOf(callbacks.getFirst());
        assertThat(back).containsEntry("state", "state-123").containsEntry("iss", TestServer.ISSUER).containsKey("code");

        Tokens tokens = customers.exchange(storefront, back.get("code"), storefront.redirectUri(), verifier);
        assertThat(tokens.status()).isEqualTo(200);
        CustomersApi asHanako = server.clientWithToken(tokens.accessToken()).customers();
        assertThat(asHanako.getMyCustomerProfile().getId()).isEqualTo(hanako);
        assertThat(catchThrowableOfType(MarketplaceException.NotFoundException.class, () -> asHanako.getCustomer(taro)))
                .isNotNull();
        assertThat(customers.exchange(storefront, back.get("code"), storefront.redirectUri(), verifier).error())
                .as("the code is single-use").isEqualTo("invalid_grant");
    }

    @Test
    void aDeclinedConsentGoesBackAsAccessDenied() {
        browser.get(server.baseUri() + TestCustomers.authorizationPath(storefront.clientId(), storefront.redirectUri(),
                "customers:read", TestCustomers.challengeOf(TestCustomers.newVerifier()), "s-2"));
        browser.findElement(By.id("email")).sendKeys("taro@example.jp");
        browser.findElement(By.id("password")).sendKeys(TestCustomers.PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        shown(By.id("deny")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(driver -> !callbacks.isEmpty());
        assertThat(TestCustomers.queryOf(callbacks.getFirst())).containsEntry("error", "access_denied")
                .containsEntry("state", "s-2").doesNotContainKey("code");
    }

    /** The element once the page that has it is there: a click that submits a form does not wait for the next page. */
    private WebElement shown(By locator) {
        return new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(locator));
    }

    @Test
    void anUnregisteredRedirectUriShowsAnErrorAndNeverLeavesTheServer() {
        String evil = "http://127.0.0.1:" + storefrontCallback.getAddress().getPort() + "/callback-evil";
        browser.get(server.baseUri() + TestCustomers.authorizationPath(storefront.clientId(), evil, "customers:read",
                TestCustomers.challengeOf(TestCustomers.newVerifier()), "s"));
        assertThat(browser.findElement(By.id("message")).getText()).contains("did not register");
        assertThat(browser.getCurrentUrl()).startsWith(server.baseUri().toString());
        assertThat(callbacks).isEmpty();
    }
}
