package dev.marketplace.server.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ClientsApi.ListClientsParams;
import dev.marketplace.sdk.api.ClientsApi.ListStorefrontsParams;
import dev.marketplace.sdk.invoker.ApiResponse;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.Storefront;
import dev.marketplace.sdk.model.StorefrontCreate;
import dev.marketplace.server.testing.TestServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator registers a storefront, gets its id, and creates the storefront's clients for it. */
class StorefrontsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void theOperatorRegistersAStorefrontThenItsClientsActAsItAndSeeOnlyIt() throws Exception {
        ApiResponse<Storefront> registered = server.client().clients().registerStorefrontWithHttpInfo(
                new StorefrontCreate().name("Sakura Mall").url("https://sakura-mall.example.jp").defaultLanguage("ja"));
        Storefront sakura = registered.getData();
        Storefront other = server.client().clients().registerStorefront(new StorefrontCreate().name("Other Mall"));

        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Sakura back end")
                .principalType(PrincipalType.STOREFRONT).principalId(sakura.getId())
                .scopes(List.of(Scope.CATALOG_READ, Scope.CLIENTS_READ)));
        MarketplaceClient asSakura = server.clientWithToken(
                server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));

        assertThat(registered.getStatusCode()).isEqualTo(201);
        assertThat(registered.getHeaders().get("location")).containsExactly("/v1/storefronts/" + sakura.getId());
        assertThat(sakura).extracting(Storefront::getName, Storefront::getUrl, Storefront::getDefaultLanguage)
                .containsExactly("Sakura Mall", "https://sakura-mall.example.jp", "ja");
        assertThat(server.client().clients().getStorefront(sakura.getId())).isEqualTo(sakura);
        assertThat(server.client().clients().listStorefronts(ListStorefrontsParams.builder().limit(200).build())
                .getItems()).contains(sakura, other);
        assertThat(asSakura.clients().getStorefront(sakura.getId())).isEqualTo(sakura);
        assertThat(asSakura.clients().listStorefronts().getItems()).containsExactly(sakura);
        NotFoundException others = catchThrowableOfType(NotFoundException.class,
                () -> asSakura.clients().getStorefront(other.getId()));
        assertThat(others.status()).isEqualTo(404);
    }

    @Test
    void onlyTheOperatorRegistersAndInvalidSettingsAreRefusedPerField() throws Exception {
        Storefront storefront = server.client().clients().registerStorefront(new StorefrontCreate().name("Self-made"));
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Self-made app")
                .principalType(PrincipalType.STOREFRONT).principalId(storefront.getId())
                .scopes(List.of(Scope.CLIENTS_WRITE)));
        MarketplaceClient asStorefront = server.clientWithToken(
                server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));

        PermissionException notOperator = catchThrowableOfType(PermissionException.class, () -> asStorefront.clients()
                .registerStorefront(new StorefrontCreate().name("Another me")));
        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> server.client().clients()
                .registerStorefront(new StorefrontCreate().name(" ").url("http://10.0.0.1/shop").defaultLanguage("Japanese")));

        assertThat(notOperator.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(invalid.fieldErrors()).extracting(FieldError::getField)
                .containsExactlyInAnyOrder("name", "url", "defaultLanguage");
    }

    @Test
    void aStorefrontClientMustNameARegisteredStorefront() {
        long before = server.client().clients().listClients(ListClientsParams.builder().limit(200).build()).getItems().size();
        ValidationException unregistered = catchThrowableOfType(ValidationException.class, () -> server.client().clients()
                .createClient(new ClientCreate().name("Made-up shop").principalType(PrincipalType.STOREFRONT)
                        .principalId(UUID.randomUUID()).scopes(List.of(Scope.CATALOG_READ))));

        assertThat(unregistered.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(unregistered.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("principalId", "not_found"));
        assertThat(server.client().clients().listClients(ListClientsParams.builder().limit(200).build()).getItems())
                .hasSize((int) before);
    }
}
