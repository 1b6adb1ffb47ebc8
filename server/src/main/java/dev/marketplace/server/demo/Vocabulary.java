package dev.marketplace.server.demo;

import java.util.List;

/**
 * The words demo data is made of, in Japanese, Chinese and English, so that listings look like a Japanese
 * marketplace with cross-border sellers (CJK text exercises the same search and compliance paths as real data).
 * None contains a banned compliance word.
 */
final class Vocabulary {

    /** One term in the three languages of the demo catalogue. */
    record Term(String ja, String zh, String en) {
    }

    /** A top-level category and the kinds of product below it (each a second-level category). */
    record Department(String ja, String en, List<Term> kinds) {
    }

    /** A place merchants are based in and products come from, with a plausible postal code prefix. */
    record Place(Term name, String locality, String postalPrefix) {
    }

    /** A stock location's code (unique per merchant) and name. */
    record Warehouse(String code, String name) {
    }

    static final List<Department> DEPARTMENTS = List.of(
            new Department("食品", "Food", List.of(
                    new Term("米", "大米", "rice"), new Term("味噌", "味噌", "miso"),
                    new Term("醤油", "酱油", "soy sauce"), new Term("梅干し", "梅干", "pickled plums"),
                    new Term("蕎麦", "荞麦面", "soba noodles"), new Term("海苔", "海苔", "nori seaweed"))),
            new Department("飲料", "Drinks", List.of(
                    new Term("緑茶", "绿茶", "green tea"), new Term("抹茶", "抹茶", "matcha"),
                    new Term("ほうじ茶", "焙茶", "roasted tea"), new Term("コーヒー", "咖啡", "coffee"),
                    new Term("日本酒", "清酒", "sake"), new Term("果汁", "果汁", "fruit juice"))),
            new Department("菓子", "Sweets", List.of(
                    new Term("和菓子", "和果子", "wagashi"), new Term("羊羹", "羊羹", "yokan"),
                    new Term("煎餅", "米饼", "rice crackers"), new Term("チョコレート", "巧克力", "chocolate"),
                    new Term("どら焼き", "铜锣烧", "dorayaki"), new Term("カステラ", "长崎蛋糕", "castella"))),
            new Department("ファッション", "Fashion", List.of(
                    new Term("浴衣", "浴衣", "yukata"), new Term("Tシャツ", "T恤", "T-shirt"),
                    new Term("靴下", "袜子", "socks"), new Term("手ぬぐい", "手巾", "tenugui towel"),
                    new Term("帽子", "帽子", "hat"), new Term("スニーカー", "运动鞋", "sneakers"))),
            new Department("美容", "Beauty", List.of(
                    new Term("化粧水", "化妆水", "toner"), new Term("洗顔料", "洗面奶", "face wash"),
                    new Term("日焼け止め", "防晒霜", "sunscreen"), new Term("ハンドクリーム", "护手霜", "hand cream"),
                    new Term("シャンプー", "洗发水", "shampoo"), new Term("入浴剤", "入浴剂", "bath salts"))),
            new Department("インテリア", "Home", List.of(
                    new Term("湯呑み", "茶杯", "teacup"), new Term("急須", "茶壶", "teapot"),
                    new Term("箸", "筷子", "chopsticks"), new Term("座布団", "坐垫", "floor cushion"),
                    new Term("風鈴", "风铃", "wind chime"), new Term("土鍋", "砂锅", "clay pot"))),
            new Department("家電", "Electronics", List.of(
                    new Term("イヤホン", "耳机", "earphones"), new Term("炊飯器", "电饭煲", "rice cooker"),
                    new Term("電気ケトル", "电热水壶", "electric kettle"), new Term("モバイルバッテリー", "充电宝", "power bank"),
                    new Term("LEDライト", "LED灯", "LED light"), new Term("加湿器", "加湿器", "humidifier"))),
            new Department("スポーツ", "Sports", List.of(
                    new Term("ヨガマット", "瑜伽垫", "yoga mat"), new Term("ランニングシューズ", "跑鞋", "running shoes"),
                    new Term("水筒", "水壶", "water bottle"), new Term("登山リュック", "登山包", "hiking backpack"),
                    new Term("竹刀", "竹刀", "bamboo sword"), new Term("釣り竿", "鱼竿", "fishing rod"))),
            new Department("ペット", "Pets", List.of(
                    new Term("ドッグフード", "狗粮", "dog food"), new Term("キャットフード", "猫粮", "cat food"),
                    new Term("首輪", "项圈", "collar"), new Term("ペットベッド", "宠物床", "pet bed"),
                    new Term("猫砂", "猫砂", "cat litter"), new Term("ペット用おもちゃ", "宠物玩具", "pet toy"))),
            new Department("文具", "Stationery", List.of(
                    new Term("万年筆", "钢笔", "fountain pen"), new Term("ノート", "笔记本", "notebook"),
                    new Term("和紙", "和纸", "washi paper"), new Term("筆", "毛笔", "calligraphy brush"),
                    new Term("手帳", "手账", "planner"), new Term("付箋", "便利贴", "sticky notes"))));

    /** Third-level categories: the same shelves under every kind of product. */
    static final List<Term> SHELVES = List.of(
            new Term("定番", "经典", "Classics"), new Term("ギフト", "礼品", "Gifts"),
            new Term("お徳用", "实惠装", "Value packs"), new Term("限定品", "限定款", "Limited editions"),
            new Term("お試し", "试用装", "Trial sizes"));

    static final List<Term> QUALIFIERS = List.of(
            new Term("有機", "有机", "organic"), new Term("国産", "日本产", "Japanese"),
            new Term("手作り", "手工", "handmade"), new Term("季節限定", "季节限定", "seasonal"),
            new Term("プレミアム", "优选", "premium"), new Term("人気の", "热销", "popular"),
            new Term("新作", "新款", "new"), new Term("伝統の", "传统", "traditional"));

    static final List<Term> PACKS = List.of(
            new Term("セット", "套装", "set"), new Term("詰め合わせ", "礼盒", "gift box"),
            new Term("2個入り", "2件装", "pack of 2"), new Term("お徳用パック", "大包装", "value pack"),
            new Term("ミニサイズ", "迷你装", "mini size"), new Term("ティーバッグ", "茶包", "tea bags"));

    static final List<Place> PLACES = List.of(
            new Place(new Term("京都", "京都", "Kyoto"), "Shimogyo-ku", "600"),
            new Place(new Term("静岡", "静冈", "Shizuoka"), "Aoi-ku", "420"),
            new Place(new Term("北海道", "北海道", "Hokkaido"), "Sapporo", "060"),
            new Place(new Term("鹿児島", "鹿儿岛", "Kagoshima"), "Kagoshima", "892"),
            new Place(new Term("沖縄", "冲绳", "Okinawa"), "Naha", "900"),
            new Place(new Term("長野", "长野", "Nagano"), "Matsumoto", "390"),
            new Place(new Term("福岡", "福冈", "Fukuoka"), "Hakata-ku", "812"),
            new Place(new Term("東京", "东京", "Tokyo"), "Chiyoda-ku", "100"),
            new Place(new Term("大阪", "大阪", "Osaka"), "Kita-ku", "530"),
            new Place(new Term("新潟", "新潟", "Niigata"), "Chuo-ku", "950"));

    static final List<Term> SHOP_WORDS = List.of(
            new Term("商店", "商店", "Shoten"), new Term("物産", "物产", "Bussan"), new Term("茶舗", "茶铺", "Chaho"),
            new Term("工房", "工坊", "Kobo"), new Term("本舗", "本铺", "Honpo"), new Term("商会", "商会", "Shokai"));

    static final List<String> SURNAMES = List.of(
            "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato");

    static final List<String> GIVEN_NAMES = List.of(
            "Hanako", "Taro", "Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota", "Mei", "Kenji");

    /** Warehouses a merchant keeps stock in. */
    static final List<Warehouse> WAREHOUSES = List.of(
            new Warehouse("TOKYO", "東京倉庫 Tokyo warehouse"), new Warehouse("OSAKA", "大阪倉庫 Osaka warehouse"),
            new Warehouse("FUKUOKA", "福岡倉庫 Fukuoka warehouse"), new Warehouse("SAPPORO", "札幌倉庫 Sapporo warehouse"),
            new Warehouse("NAGOYA", "名古屋倉庫 Nagoya warehouse"));

    static final List<String> SIZES = List.of("S", "M", "L", "XL", "XXL");

    private Vocabulary() {
    }
}
