package postgres

// The demo catalog is composed from these lists: a category tree whose leaves say what their
// products are called and how they vary, brand names, and words for descriptions and reviews.

// seedCategory is a node of the demo tree. Products go into leaves (nodes without children).
type seedCategory struct {
	name     string
	children []seedCategory
	// Leaves only:
	nouns    []string // what a product is, such as "Headphones"
	features []string // what sets it apart, such as "Noise-Cancelling"
	sizes    []string // size options in order; none means variants differ by colour only
	price    [2]int64 // base price range in cents
	weight   [2]int   // shipping weight range in grams
}

var (
	apparelSizes = []string{"XS", "S", "M", "L", "XL", "XXL"}
	shoeSizes    = []string{"38", "39", "40", "41", "42", "43", "44", "45", "46"}
)

var seedTree = []seedCategory{
	{name: "Electronics", children: []seedCategory{
		{name: "Audio", children: []seedCategory{
			{name: "Headphones", nouns: []string{"Headphones", "Over-Ear Headphones", "Studio Headphones"}, features: []string{"Wireless", "Noise-Cancelling", "Hi-Res", "Foldable", "Bluetooth"}, price: [2]int64{3900, 44900}, weight: [2]int{180, 420}},
			{name: "Speakers", nouns: []string{"Speaker", "Soundbar", "Bookshelf Speakers"}, features: []string{"Portable", "Waterproof", "Smart", "Bluetooth", "Stereo"}, price: [2]int64{2900, 89900}, weight: [2]int{300, 6500}},
			{name: "Earbuds", nouns: []string{"Earbuds", "Sport Earbuds", "In-Ear Monitors"}, features: []string{"True Wireless", "Noise-Cancelling", "Sweatproof", "Low-Latency"}, price: [2]int64{1900, 29900}, weight: [2]int{40, 120}},
		}},
		{name: "Computing", children: []seedCategory{
			{name: "Laptops", nouns: []string{"Laptop", "Ultrabook", "Notebook"}, features: []string{"14-inch", "16-inch", "Lightweight", "Performance", "2-in-1"}, price: [2]int64{49900, 299900}, weight: [2]int{1100, 2600}},
			{name: "Keyboards", nouns: []string{"Keyboard", "Mechanical Keyboard", "Compact Keyboard"}, features: []string{"Wireless", "Backlit", "Low-Profile", "Hot-Swap", "Ergonomic"}, price: [2]int64{2900, 24900}, weight: [2]int{400, 1300}},
			{name: "Monitors", nouns: []string{"Monitor", "Display", "Curved Monitor"}, features: []string{"27-inch", "4K", "144Hz", "USB-C", "Ultrawide"}, price: [2]int64{14900, 119900}, weight: [2]int{3500, 9000}},
		}},
		{name: "Cameras", nouns: []string{"Mirrorless Camera", "Action Camera", "Instant Camera"}, features: []string{"Full-Frame", "Compact", "4K", "Stabilised", "Weather-Sealed"}, price: [2]int64{7900, 249900}, weight: [2]int{150, 900}},
	}},
	{name: "Home & Kitchen", children: []seedCategory{
		{name: "Kitchen", children: []seedCategory{
			{name: "Cookware", nouns: []string{"Frying Pan", "Saucepan", "Dutch Oven", "Wok"}, features: []string{"Cast-Iron", "Non-Stick", "Stainless", "Induction-Ready", "Enamelled"}, price: [2]int64{1900, 34900}, weight: [2]int{800, 6000}},
			{name: "Knives", nouns: []string{"Chef's Knife", "Santoku Knife", "Knife Block Set", "Paring Knife"}, features: []string{"Forged", "Damascus", "Japanese Steel", "Full-Tang"}, price: [2]int64{1500, 39900}, weight: [2]int{90, 2500}},
			{name: "Coffee Makers", nouns: []string{"Espresso Machine", "Pour-Over Kettle", "French Press", "Coffee Grinder"}, features: []string{"Burr", "Programmable", "Gooseneck", "Dual-Boiler", "Compact"}, price: [2]int64{2500, 189900}, weight: [2]int{400, 14000}},
		}},
		{name: "Furniture", children: []seedCategory{
			{name: "Chairs", nouns: []string{"Office Chair", "Lounge Chair", "Dining Chair"}, features: []string{"Ergonomic", "Mesh", "Oak", "Upholstered", "Stackable"}, price: [2]int64{7900, 129900}, weight: [2]int{4000, 22000}},
			{name: "Desks", nouns: []string{"Standing Desk", "Writing Desk", "Corner Desk"}, features: []string{"Height-Adjustable", "Walnut", "Minimalist", "Solid Wood"}, price: [2]int64{14900, 99900}, weight: [2]int{15000, 45000}},
		}},
		{name: "Bedding", nouns: []string{"Duvet Cover", "Sheet Set", "Pillow", "Weighted Blanket"}, features: []string{"Linen", "Organic Cotton", "Percale", "Cooling", "Hypoallergenic"}, sizes: []string{"Single", "Double", "Queen", "King"}, price: [2]int64{2900, 29900}, weight: [2]int{600, 8000}},
	}},
	{name: "Fashion", children: []seedCategory{
		{name: "Men", children: []seedCategory{
			{name: "Jackets", nouns: []string{"Jacket", "Parka", "Bomber Jacket", "Rain Shell"}, features: []string{"Waterproof", "Insulated", "Packable", "Waxed Cotton", "Down"}, sizes: apparelSizes, price: [2]int64{5900, 49900}, weight: [2]int{400, 1600}},
			{name: "T-Shirts", nouns: []string{"T-Shirt", "Henley", "Polo Shirt"}, features: []string{"Organic Cotton", "Merino", "Heavyweight", "Slim-Fit", "Relaxed"}, sizes: apparelSizes, price: [2]int64{1500, 6900}, weight: [2]int{150, 300}},
		}},
		{name: "Women", children: []seedCategory{
			{name: "Dresses", nouns: []string{"Dress", "Midi Dress", "Wrap Dress", "Shirt Dress"}, features: []string{"Linen", "Silk", "Pleated", "Floral", "Jersey"}, sizes: apparelSizes, price: [2]int64{3900, 24900}, weight: [2]int{200, 600}},
			{name: "Knitwear", nouns: []string{"Jumper", "Cardigan", "Roll-Neck"}, features: []string{"Cashmere", "Merino", "Cable-Knit", "Oversized", "Alpaca"}, sizes: apparelSizes, price: [2]int64{4900, 29900}, weight: [2]int{250, 800}},
		}},
		{name: "Shoes", children: []seedCategory{
			{name: "Sneakers", nouns: []string{"Sneakers", "Running Shoes", "Trainers"}, features: []string{"Lightweight", "Leather", "Knit", "Cushioned", "Retro"}, sizes: shoeSizes, price: [2]int64{4900, 21900}, weight: [2]int{500, 1100}},
			{name: "Boots", nouns: []string{"Boots", "Chelsea Boots", "Hiking Boots"}, features: []string{"Waterproof", "Suede", "Insulated", "Goodyear-Welted"}, sizes: shoeSizes, price: [2]int64{7900, 34900}, weight: [2]int{900, 2200}},
		}},
	}},
	{name: "Sports & Outdoors", children: []seedCategory{
		{name: "Camping", children: []seedCategory{
			{name: "Tents", nouns: []string{"Tent", "Backpacking Tent", "Family Tent"}, features: []string{"2-Person", "4-Season", "Ultralight", "Freestanding"}, price: [2]int64{8900, 79900}, weight: [2]int{900, 12000}},
			{name: "Backpacks", nouns: []string{"Backpack", "Daypack", "Trekking Pack"}, features: []string{"30L", "45L", "Waterproof", "Ventilated", "Roll-Top"}, price: [2]int64{3900, 29900}, weight: [2]int{500, 2200}},
		}},
		{name: "Fitness", children: []seedCategory{
			{name: "Yoga Mats", nouns: []string{"Yoga Mat", "Travel Mat", "Exercise Mat"}, features: []string{"Non-Slip", "Cork", "Natural Rubber", "Extra-Thick"}, price: [2]int64{1900, 12900}, weight: [2]int{900, 3000}},
			{name: "Dumbbells", nouns: []string{"Dumbbell Set", "Adjustable Dumbbells", "Kettlebell"}, features: []string{"Cast-Iron", "Rubber-Coated", "Quick-Change", "Hex"}, price: [2]int64{2900, 49900}, weight: [2]int{2000, 40000}},
		}},
		{name: "Cycling", nouns: []string{"Helmet", "Bike Light Set", "Cycling Jersey", "Saddle"}, features: []string{"Aero", "MIPS", "Rechargeable", "Breathable", "Carbon"}, sizes: []string{"S", "M", "L"}, price: [2]int64{1900, 29900}, weight: [2]int{120, 900}},
	}},
	{name: "Beauty", children: []seedCategory{
		{name: "Skincare", nouns: []string{"Face Serum", "Moisturiser", "Cleanser", "Sunscreen"}, features: []string{"Hydrating", "Vitamin C", "Fragrance-Free", "SPF 50", "Retinol"}, sizes: []string{"30 ml", "50 ml", "100 ml"}, price: [2]int64{900, 8900}, weight: [2]int{60, 300}},
		{name: "Fragrance", nouns: []string{"Eau de Parfum", "Eau de Toilette", "Scented Candle"}, features: []string{"Citrus", "Woody", "Amber", "Floral", "Vetiver"}, sizes: []string{"30 ml", "50 ml", "100 ml"}, price: [2]int64{2900, 18900}, weight: [2]int{150, 600}},
	}},
	{name: "Toys & Games", children: []seedCategory{
		{name: "Board Games", nouns: []string{"Board Game", "Card Game", "Puzzle"}, features: []string{"Strategy", "Co-op", "Family", "1000-Piece", "Party"}, price: [2]int64{999, 8999}, weight: [2]int{300, 2500}},
		{name: "Building Sets", nouns: []string{"Building Set", "Construction Kit", "Marble Run"}, features: []string{"Creative", "Robotics", "Wooden", "Magnetic", "Starter"}, price: [2]int64{1499, 24999}, weight: [2]int{300, 3000}},
	}},
}

var seedBrands = []string{
	"Aurora", "Nimbus", "Kestrel", "Solstice", "Halcyon", "Vantage", "Meridian", "Ember", "Tundra", "Lumen",
	"Cobalt", "Fjord", "Sable", "Harbor", "Quill", "Orchid", "Granite", "Zephyr", "Atlas", "Beacon",
	"Cinder", "Drift", "Echo", "Flint", "Glacier", "Hearth", "Iris", "Juniper", "Kinetic", "Larkspur",
	"Monarch", "Northwind", "Oakridge", "Pinnacle", "Quarry", "Redwood", "Summit", "Tidal", "Umber", "Vesper",
	"Willow", "Xenon", "Yarrow", "Zenith", "Alder", "Birch", "Cascade", "Dune", "Evergreen", "Fable",
	"Gale", "Horizon", "Ivory", "Jasper", "Koda", "Lagoon", "Mosaic", "Nova", "Onyx", "Prism",
}

var (
	seedColours = []string{"Black", "White", "Graphite", "Navy", "Forest Green", "Sand", "Burgundy", "Slate Blue", "Ochre", "Stone", "Olive", "Rose"}
	seedLines   = []string{"", "", "", "Pro", "Air", "Max", "Lite", "Studio", "Edge", "One", "Plus", "II", "Mini", "Classic"}

	seedOpenings = []string{
		"Designed for everyday use, the %s balances comfort and durability.",
		"The %s is built to last, with materials chosen for a long life.",
		"Meet the %s: thoughtfully made, easy to care for.",
		"Our best-selling %s, refined with feedback from thousands of customers.",
		"With the %s, quality you notice from the first day.",
	}
	seedDetails = []string{
		"Its %s design sets it apart from the rest.",
		"A %s build keeps it reliable season after season.",
		"Every detail is %s, down to the finish.",
		"Customers love the %s feel.",
	}
	seedClosings = []string{
		"Backed by a two-year warranty.",
		"Ships in recyclable packaging.",
		"Free returns within 30 days.",
		"Made in a certified fair-labour facility.",
		"Replacement parts available for years to come.",
	}

	seedReviewTitles = map[int][]string{
		1: {"Disappointed", "Broke quickly", "Not as described"},
		2: {"Could be better", "Below expectations", "Meh"},
		3: {"Decent", "Does the job", "Okay for the price"},
		4: {"Very good", "Happy with it", "Solid choice", "Would buy again"},
		5: {"Excellent", "Love it", "Perfect", "Best purchase this year"},
	}
	seedReviewBodies = map[int][]string{
		1: {"Stopped working after a week.", "The quality is much lower than the photos suggest.", "Returned it the same day."},
		2: {"Works, but feels cheaper than expected.", "Delivery was quick, the product less so.", "A few rough edges."},
		3: {"Fine for everyday use.", "Nothing special, nothing wrong.", "Good value, average finish."},
		4: {"Well made and arrived quickly.", "Does exactly what I needed.", "Great quality for the money."},
		5: {"Exceeded my expectations in every way.", "Beautifully made, I use it every day.", "Outstanding quality, highly recommended."},
	}
	seedFirstNames   = []string{"Anna", "Ben", "Chloé", "Daniel", "Elif", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Noor", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara", "Zoe"}
	seedLastInitials = "ABCDEFGHJKLMNOPRSTVWZ"
)
