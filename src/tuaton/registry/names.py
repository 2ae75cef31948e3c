"""Thai given and family names with their RTGS romanisation, for the synthetic population."""

MALE_GIVEN = [
    ("สมชาย", "Somchai"), ("สมศักดิ์", "Somsak"), ("ประเสริฐ", "Prasoet"), ("วิชัย", "Wichai"),
    ("สุรชัย", "Surachai"), ("อนุชา", "Anucha"), ("ธนากร", "Thanakon"), ("กิตติพัฒน์", "Kittiphat"),
    ("ณัฐวุฒิ", "Natthawut"), ("ปิยะพงษ์", "Piyaphong"), ("ชัยวัฒน์", "Chaiwat"), ("วีระพงษ์", "Weeraphong"),
    ("อภิชาติ", "Aphichat"), ("ศุภชัย", "Supphachai"), ("ธีรวัฒน์", "Thirawat"), ("พงศกร", "Phongsakon"),
    ("สุทธิพงษ์", "Sutthiphong"), ("เกียรติศักดิ์", "Kiattisak"), ("จักรพันธ์", "Chakkraphan"),
    ("ภานุวัฒน์", "Phanuwat"), ("ธนวัฒน์", "Thanawat"), ("กฤษดา", "Kritsada"), ("วรวุฒิ", "Worawut"),
    ("สมพงษ์", "Somphong"), ("บุญเลิศ", "Bunloet"), ("ประยุทธ", "Prayut"), ("มานพ", "Manop"),
    ("อำนาจ", "Amnat"), ("ชาญชัย", "Chanchai"), ("ทรงศักดิ์", "Songsak"), ("ปกรณ์", "Pakon"),
    ("ศักดิ์ชัย", "Sakchai"), ("ยุทธนา", "Yutthana"), ("วัชระ", "Watchara"), ("สุริยา", "Suriya"),
    ("ธวัชชัย", "Thawatchai"), ("พีระพล", "Phiraphon"), ("ภูมิพัฒน์", "Phumiphat"), ("ณัฐพล", "Natthaphon"),
    ("รัฐพล", "Ratthaphon"),
]

FEMALE_GIVEN = [
    ("สมหญิง", "Somying"), ("สุดา", "Suda"), ("มาลี", "Mali"), ("วันเพ็ญ", "Wanphen"),
    ("กาญจนา", "Kanchana"), ("ศิริพร", "Siriphon"), ("ปิยะนุช", "Piyanut"), ("นภัสสร", "Naphatsorn"),
    ("ธิดารัตน์", "Thidarat"), ("อรุณี", "Aruni"), ("พรทิพย์", "Phonthip"), ("จันทร์เพ็ญ", "Chanphen"),
    ("สุภาพร", "Suphaphon"), ("วิไลวรรณ", "Wilaiwan"), ("รัตนา", "Rattana"), ("นิภาพร", "Niphaphon"),
    ("อัญชลี", "Anchali"), ("ชุติมา", "Chutima"), ("กมลชนก", "Kamonchanok"), ("ณัฐธิดา", "Natthida"),
    ("ปวีณา", "Pawina"), ("เพ็ญศรี", "Phensi"), ("บุษบา", "Butsaba"), ("ลำดวน", "Lamduan"),
    ("สายสุนีย์", "Saisuni"), ("ดวงใจ", "Duangchai"), ("ทิพวรรณ", "Thippawan"), ("อรวรรณ", "Orawan"),
    ("จิราพร", "Chiraphon"), ("ศศิธร", "Sasithon"), ("พิมพ์ชนก", "Phimchanok"), ("ขวัญใจ", "Khwanchai"),
    ("วรรณา", "Wanna"), ("สุนิสา", "Sunisa"), ("ปาริชาติ", "Parichat"), ("กัลยา", "Kanlaya"),
    ("ญาณิศา", "Yanisa"), ("ภัทรา", "Phattra"), ("เบญจมาศ", "Benchamat"), ("อารีรัตน์", "Arirat"),
]

FAMILY = [
    ("ใจดี", "Chaidi"), ("สุขสวัสดิ์", "Suksawat"), ("ศรีสุข", "Sisuk"), ("แสงทอง", "Saengthong"),
    ("วงศ์สวัสดิ์", "Wongsawat"), ("ทองดี", "Thongdi"), ("บุญมา", "Bunma"), ("จันทร์แก้ว", "Chankaeo"),
    ("พรหมมา", "Phromma"), ("รัตนพันธ์", "Rattanaphan"), ("ชัยมงคล", "Chaimongkhon"),
    ("ประเสริฐศรี", "Prasoetsi"), ("กิตติวงศ์", "Kittiwong"), ("ศรีวงศ์", "Siwong"),
    ("สมบูรณ์ชัย", "Sombunchai"), ("เจริญผล", "Charoenphon"), ("มั่นคง", "Mankhong"),
    ("สุวรรณรัตน์", "Suwannarat"), ("อินทร์แก้ว", "Inkaeo"), ("พึ่งบุญ", "Phuengbun"),
    ("ทองคำ", "Thongkham"), ("แก้วมณี", "Kaeomani"), ("บุญเรือง", "Bunrueang"), ("สีดา", "Sida"),
    ("ปัญญาดี", "Panyadi"), ("ศักดิ์สิทธิ์", "Saksit"), ("นาคสุข", "Naksuk"), ("ธนารักษ์", "Thanarak"),
    ("วัฒนกุล", "Watthanakun"), ("เพชรรัตน์", "Phetcharat"), ("ชูชื่น", "Chuchuen"),
    ("รุ่งเรือง", "Rungrueang"), ("สายทอง", "Saithong"), ("ดวงดี", "Duangdi"), ("พันธุ์ดี", "Phandi"),
    ("เรืองศรี", "Rueangsi"), ("คงสมบูรณ์", "Khongsombun"), ("ศรีประเสริฐ", "Siprasoet"),
    ("อุดมสุข", "Udomsuk"), ("วิเศษสุวรรณ", "Wisetsuwan"), ("บุญประเสริฐ", "Bunprasoet"),
    ("ทองประเสริฐ", "Thongprasoet"), ("จันทร์หอม", "Chanhom"), ("ใจเย็น", "Chaiyen"),
    ("แสงอรุณ", "Saengarun"), ("พูลสวัสดิ์", "Phunsawat"), ("มีสุข", "Misuk"), ("สิทธิชัย", "Sitthichai"),
    ("หอมจันทร์", "Homchan"), ("ลิ้มเจริญ", "Limcharoen"), ("ตั้งตระกูล", "Tangtrakun"),
    ("แซ่ตั้ง", "Saetang"), ("แซ่ลิ้ม", "Saelim"), ("ชัยประสิทธิ์", "Chaiprasit"), ("นิลสุวรรณ", "Ninsuwan"),
    ("เกตุแก้ว", "Ketkaeo"), ("พิทักษ์ธรรม", "Phitaktham"), ("ศรีสมบัติ", "Sisombat"),
    ("ขันทอง", "Khanthong"), ("บัวขาว", "Buakhao"),
]

#: Roads and sois that appear in Thai addresses (any province has a road by such a name).
ROADS = [("พหลโยธิน", "Phahonyothin"), ("สุขุมวิท", "Sukhumvit"), ("เพชรเกษม", "Phetkasem"),
         ("มิตรภาพ", "Mittraphap"), ("ราชดำเนิน", "Ratchadamnoen"), ("เจริญกรุง", "Charoen Krung"),
         ("ประชาราษฎร์", "Pracharat"), ("ศรีสุริยวงศ์", "Si Suriyawong"), ("นิมมานเหมินท์", "Nimmanhaemin")]
SOIS = ["1", "3", "5", "7", "12", "18", "24", "วัดใหม่", "สุขใจ", "ร่วมมิตร", "เจริญสุข"]
