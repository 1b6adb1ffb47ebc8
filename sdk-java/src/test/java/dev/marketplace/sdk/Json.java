package dev.marketplace.sdk;

import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Collectors;

/** Response bodies shaped like api-spec/openapi.yaml, for WireMock stubs. */
final class Json {

    private Json() {
    }

    static String category(String name) {
        return """
                {"id":"%s","parentId":null,"name":"%s","commissionRateBasisPoints":1000,"depth":0,"version":1,\
                "createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}"""
                .formatted(UUID.nameUUIDFromBytes(name.getBytes()), name);
    }

    /** A page of categories; {@code nextCursor} null for the last page. */
    static String categoryPage(String nextCursor, String... names) {
        String items = Arrays.stream(names).map(Json::category).collect(Collectors.joining(","));
        return "{\"items\":[" + items + "],\"nextCursor\":" + (nextCursor == null ? "null" : "\"" + nextCursor + "\"") + "}";
    }

    /** A problem document; {@code extraMembers} is appended inside the object, such as {@code ,"currentVersion":4}. */
    static String problem(int status, String code, String extraMembers) {
        return """
                {"type":"https://docs.marketplace.dev/problems/%2$s","title":"%2$s","status":%1$d,\
                "detail":"detail of %2$s","instance":"/v1/categories","code":"%2$s","requestId":"req-%1$d"%3$s}"""
                .formatted(status, code, extraMembers);
    }

    static String token(String accessToken, int expiresInSeconds) {
        return """
                {"access_token":"%s","token_type":"Bearer","expires_in":%d,"scope":"catalog:read catalog:write"}"""
                .formatted(accessToken, expiresInSeconds);
    }
}
