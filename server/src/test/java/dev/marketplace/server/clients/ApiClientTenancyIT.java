package dev.marketplace.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ClientsApi;
import dev.marketplace.sdk.api.ClientsApi.ListClientsParams;
import dev.marketplace.sdk.model.Client;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.SecretRotation;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.server.testing.TestServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Object-level authorization on the first tenant-owned resource: a merchant sees and changes only its own API
 * clients; another tenant's client is "not found" on every endpoint, and never listed.
 */
class ApiClientTenancyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final UUID MERCHANT_A = UUID.randomUUID();
    private static final UUID MERCHANT_B = UUID.randomUUID();
    private static final List<Scope> MERCHANT_SCOPES = List.of(Scope.CATALOG_READ, Scope.CLIENTS_READ, Scope.CLIENTS_WRITE);

    private static ClientCredentials merchantA;
    private static ClientCredentials merchantB;
    private static MarketplaceClient asA;

    @BeforeAll
    static void createMerchantClients() throws Exception {
        merchantA = server.client().clients().createClient(new ClientCreate().name("ERP of A")
                .principalType(PrincipalType.MERCHANT).principalId(MERCHANT_A).scopes(MERCHANT_SCOPES));
        merchantB = server.client().clients().createClient(new ClientCreate().name("ERP of B")
                .principalType(PrincipalType.MERCHANT).principalId(MERCHANT_B).scopes(MERCHANT_SCOPES));
        asA = server.clientWithToken(server.token(merchantA.getClient().getClientId(), merchantA.getClientSecret()));
    }

    @Test
    void theOperatorSeesEveryClientAndSecretsAreNeverShownAgain() throws Exception {
        List<String> all = server.client().clients().listClients(
                ListClientsParams.builder().limit(200).build()).getItems().stream()
                .map(Client::getClientId).toList();
        assertThat(all).contains(TestServer.OPERATOR_CLIENT_ID, merchantA.getClient().getClientId(),
                merchantB.getClient().getClientId());
        assertThat(merchantA.getClientSecret()).startsWith("mps_").hasSizeGreaterThan(40);
        String fetched = server.send(server.request("/v1/clients/" + merchantA.getClient().getClientId()).GET().build()).body();
        assertThat(fetched).doesNotContain(merchantA.getClientSecret()).doesNotContain("secret\"");
    }

    @Test
    void aMerchantListsOnlyItsOwnClients() throws Exception {
        List<Client> visible = asA.clients().listClients(ListClientsParams.builder().limit(200).build()).getItems();
        assertThat(visible).isNotEmpty().allSatisfy(client -> {
            assertThat(client.getPrincipalType()).isEqualTo(PrincipalType.MERCHANT);
            assertThat(client.getPrincipalId()).isEqualTo(MERCHANT_A);
        });
    }

    @Test
    void anotherTenantsClientIsNotFoundOnEveryEndpoint() {
        String theirs = merchantB.getClient().getClientId();
        NotFoundException get = catchThrowableOfType(NotFoundException.class, () -> asA.clients().getClient(theirs));
        NotFoundException rotate = catchThrowableOfType(NotFoundException.class,
                () -> asA.clients().rotateClientSecret(theirs, new SecretRotation()));
        NotFoundException missing = catchThrowableOfType(NotFoundException.class,
                () -> asA.clients().getClient("cli_doesnotexistatall0000"));
        // Same answer for "someone else's" and "nobody's": ids cannot be probed.
        assertThat(get.problem().getDetail()).isEqualTo(missing.problem().getDetail());
        assertThat(rotate.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(server.token(theirs, merchantB.getClientSecret())).as("B's secret was not rotated").isNotBlank();
    }

    @Test
    void aMerchantCreatesClientsOnlyForItselfAndWithinItsScopes() throws Exception {
        ClientCredentials second = asA.clients().createClient(
                new ClientCreate().name("Second ERP").scopes(List.of(Scope.CATALOG_READ)));
        assertThat(second.getClient().getPrincipalId()).isEqualTo(MERCHANT_A);
        assertThat(second.getClient().getPrincipalType()).isEqualTo(PrincipalType.MERCHANT);

        MarketplaceException forB = catchThrowableOfType(MarketplaceException.class, () -> asA.clients().createClient(
                new ClientCreate().name("Sneaky").principalType(PrincipalType.MERCHANT).principalId(MERCHANT_B)
                        .scopes(List.of(Scope.CATALOG_READ))));
        assertThat(forB.status()).isEqualTo(403);

        ValidationException operatorScope = catchThrowableOfType(ValidationException.class, () -> asA.clients().createClient(
                new ClientCreate().name("Escalate").scopes(List.of(Scope.CATEGORIES_WRITE))));
        assertThat(operatorScope.fieldErrors()).extracting(error -> error.getField()).containsExactly("scopes");

        ValidationException operatorScopeEvenFromOperator = catchThrowableOfType(ValidationException.class,
                () -> server.client().clients().createClient(new ClientCreate().name("Bad").principalType(PrincipalType.MERCHANT)
                        .principalId(MERCHANT_B).scopes(List.of(Scope.CATEGORIES_WRITE))));
        assertThat(operatorScopeEvenFromOperator.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    }

    @Test
    void merchantsCannotChangeTheCategoryTree() {
        MarketplaceException refused = catchThrowableOfType(MarketplaceException.class, () -> asA.categories().createCategory(
                new CategoryCreate().name("Mine").commissionRateBasisPoints(0)));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
    }

    @Test
    void rotatingASecretRetiresTheOldOneAtOnceOrAfterAGracePeriod() throws Exception {
        ClientCredentials client = asA.clients().createClient(
                new ClientCreate().name("Rotating").scopes(List.of(Scope.CATALOG_READ)));
        String id = client.getClient().getClientId();

        ClientCredentials graceful = asA.clients().rotateClientSecret(id,
                new SecretRotation().previousSecretValidForSeconds(600));
        assertThat(graceful.getClientSecret()).isNotEqualTo(client.getClientSecret());
        assertThat(graceful.getClient().getSecretRotatedAt()).isNotNull();
        assertThat(server.token(id, client.getClientSecret())).as("old secret in its grace period").isNotBlank();
        assertThat(server.token(id, graceful.getClientSecret())).as("new secret").isNotBlank();

        ClientCredentials immediate = asA.clients().rotateClientSecret(id, new SecretRotation());
        assertThat(server.token(id, immediate.getClientSecret())).isNotBlank();
        assertThat(tokenStatus(id, graceful.getClientSecret())).as("replaced without grace").isEqualTo(401);
        assertThat(tokenStatus(id, client.getClientSecret())).as("the first secret is long gone").isEqualTo(401);
    }

    private static int tokenStatus(String clientId, String secret) {
        try {
            server.token(clientId, secret);
            return 200;
        } catch (AssertionError e) {
            return e.getMessage().contains(" 401 ") ? 401 : -1;
        }
    }
}
