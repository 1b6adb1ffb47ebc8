package dev.marketplace.server.platform.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class EventTypeTest {

    @Test
    void everyTypeIsFoundByItsWireNameTheLowerCaseOfItsName() {
        for (EventType type : EventType.values()) {
            assertThat(type.wireName()).isEqualTo(type.name().toLowerCase(Locale.ROOT));
            assertThat(EventType.fromWireName(type.wireName())).isSameAs(type);
        }
    }

    @Test
    void anUnknownNameIsRefusedAsBefore() {
        assertThatThrownBy(() -> EventType.fromWireName("ORDER_PLACED")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown event type ORDER_PLACED");
        assertThatThrownBy(() -> EventType.fromWireName("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventType.fromWireName(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown event type null");
    }
}
