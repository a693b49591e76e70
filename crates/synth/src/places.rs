//! Where people sleep out in and around Westminster, which teams meet them there, and the
//! services, hostels and institutions they move into. All places are public landmarks; the
//! coordinates are approximate and get a little jitter per contact so pins do not pile up.

/// The part of Westminster a place belongs to, which decides its outreach team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    North,
    South,
    WestEnd,
}

pub struct Place {
    pub name: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    pub borough: &'static str,
    pub area: Area,
    /// How often people sleep out here, relative to other places.
    pub weight: u32,
}

const fn place(name: &'static str, latitude: f64, longitude: f64, area: Area, weight: u32) -> Place {
    Place { name, latitude, longitude, borough: "Westminster", area, weight }
}

/// A place just over the border, in a neighbouring borough, covered by the nearest team.
const fn border_place(name: &'static str, latitude: f64, longitude: f64, borough: &'static str, area: Area) -> Place {
    Place { name, latitude, longitude, borough, area, weight: 2 }
}

/// Street locations. Westminster places carry about 92% of the weight; with contacts at services
/// (all in Westminster) that gives about 93% of contacts in Westminster.
pub static STREET_PLACES: [Place; 46] = [
    place("Strand", 51.5101, -0.1220, Area::WestEnd, 12),
    place("Charing Cross", 51.5080, -0.1247, Area::WestEnd, 10),
    place("Victoria Station", 51.4952, -0.1441, Area::South, 12),
    place("Marble Arch", 51.5131, -0.1589, Area::North, 10),
    place("Hyde Park Corner", 51.5027, -0.1527, Area::South, 5),
    place("Piccadilly Circus", 51.5101, -0.1340, Area::WestEnd, 8),
    place("Leicester Square", 51.5103, -0.1301, Area::WestEnd, 7),
    place("Trafalgar Square", 51.5080, -0.1281, Area::WestEnd, 6),
    place("Oxford Street", 51.5152, -0.1418, Area::WestEnd, 9),
    place("Edgware Road", 51.5199, -0.1679, Area::North, 7),
    place("Paddington", 51.5154, -0.1755, Area::North, 8),
    place("Soho Square", 51.5153, -0.1321, Area::WestEnd, 4),
    place("Covent Garden", 51.5117, -0.1240, Area::WestEnd, 6),
    place("Victoria Embankment", 51.5073, -0.1223, Area::WestEnd, 8),
    place("Westminster Cathedral piazza", 51.4963, -0.1393, Area::South, 6),
    place("Park Lane", 51.5090, -0.1530, Area::North, 5),
    place("Baker Street", 51.5226, -0.1571, Area::North, 4),
    place("Regent Street", 51.5115, -0.1389, Area::WestEnd, 4),
    place("Bayswater Road", 51.5115, -0.1750, Area::North, 5),
    place("Haymarket", 51.5090, -0.1320, Area::WestEnd, 5),
    place("Tottenham Court Road", 51.5164, -0.1309, Area::WestEnd, 4),
    place("Shaftesbury Avenue", 51.5120, -0.1310, Area::WestEnd, 3),
    place("Buckingham Palace Road", 51.4950, -0.1460, Area::South, 4),
    place("Vauxhall Bridge Road", 51.4920, -0.1380, Area::South, 3),
    place("Warwick Way, Pimlico", 51.4905, -0.1420, Area::South, 2),
    place("Parliament Square", 51.5007, -0.1260, Area::South, 3),
    place("Horseferry Road", 51.4950, -0.1300, Area::South, 2),
    place("Lisson Grove", 51.5233, -0.1680, Area::North, 2),
    place("Queensway", 51.5107, -0.1875, Area::North, 3),
    place("Harrow Road", 51.5230, -0.1930, Area::North, 2),
    place("St James's Park", 51.5025, -0.1340, Area::South, 3),
    place("Green Park", 51.5067, -0.1428, Area::WestEnd, 3),
    place("Aldwych", 51.5128, -0.1175, Area::WestEnd, 4),
    place("Bond Street", 51.5142, -0.1494, Area::WestEnd, 3),
    place("Villiers Street", 51.5085, -0.1236, Area::WestEnd, 4),
    place("Great Portland Street", 51.5219, -0.1438, Area::North, 2),
    place("Praed Street", 51.5160, -0.1720, Area::North, 3),
    place("Whitehall", 51.5040, -0.1265, Area::South, 2),
    border_place("Euston Road", 51.5282, -0.1337, "Camden", Area::North),
    border_place("King's Cross", 51.5308, -0.1238, "Camden", Area::North),
    border_place("Notting Hill Gate", 51.5090, -0.1960, "Kensington and Chelsea", Area::North),
    border_place("Sloane Square", 51.4924, -0.1565, "Kensington and Chelsea", Area::South),
    border_place("Waterloo Station", 51.5031, -0.1132, "Lambeth", Area::South),
    border_place("South Bank", 51.5065, -0.1160, "Lambeth", Area::South),
    border_place("Fleet Street", 51.5141, -0.1065, "City of London", Area::WestEnd),
    border_place("Blackfriars", 51.5117, -0.1037, "City of London", Area::WestEnd),
];

/// Draws a street place by weight, as an index into [`STREET_PLACES`].
pub fn random_street_place(rng: &mut impl rand::Rng) -> u8 {
    let total: u32 = STREET_PLACES.iter().map(|place| place.weight).sum();
    let mut ticket = rng.random_range(0..total);
    for (index, place) in STREET_PLACES.iter().enumerate() {
        if ticket < place.weight {
            return index as u8;
        }
        ticket -= place.weight;
    }
    0
}

/// Words a worker adds after the place name to say where exactly a person was bedded down.
pub static SPOT_DETAILS: [&str; 14] = [
    "doorway",
    "shop doorway",
    "bus shelter",
    "under the arches",
    "by the station entrance",
    "on a bench",
    "car park stairwell",
    "church porch",
    "underpass",
    "outside the bank",
    "fire exit",
    "in a tent",
    "on the steps",
    "behind the theatre",
];

/// Teams that go out to people bedded down on the street.
pub static OUTREACH_TEAMS: [&str; 6] = [
    "Westminster Outreach North",
    "Westminster Outreach South",
    "Westminster Outreach West End",
    "Rapid Response",
    "Night Outreach",
    "Street Engagement",
];

pub const TEAM_NORTH: u8 = 0;
pub const TEAM_SOUTH: u8 = 1;
pub const TEAM_WEST_END: u8 = 2;
pub const TEAM_RAPID_RESPONSE: u8 = 3;
pub const TEAM_NIGHT_OUTREACH: u8 = 4;
pub const TEAM_STREET_ENGAGEMENT: u8 = 5;

/// The area outreach team that covers a place.
pub fn area_team(area: Area) -> u8 {
    match area {
        Area::North => TEAM_NORTH,
        Area::South => TEAM_SOUTH,
        Area::WestEnd => TEAM_WEST_END,
    }
}

/// A service where people are met when they are not bedded down: day centres, the assessment
/// hub, the council's housing options desk.
pub struct Service {
    pub name: &'static str,
    pub location: &'static str,
    pub coordinates: Option<(f64, f64)>,
}

pub static DAY_CENTRES: [Service; 3] = [
    Service {
        name: "The Passage day centre",
        location: "St Vincent's Centre, Carlisle Place",
        coordinates: Some((51.4960, -0.1405)),
    },
    Service {
        name: "The Connection at St Martin's",
        location: "Adelaide Street, Charing Cross",
        coordinates: Some((51.5090, -0.1264)),
    },
    Service {
        name: "Marylebone day centre",
        location: "Bell Street, Marylebone",
        coordinates: Some((51.5220, -0.1665)),
    },
];

pub static ASSESSMENT_HUB: Service =
    Service { name: "Westminster Assessment Hub", location: "Assessment hub, Westminster", coordinates: None };

pub static HOUSING_OPTIONS: Service =
    Service { name: "Westminster Housing Options", location: "Victoria Street", coordinates: Some((51.4975, -0.1357)) };

pub static EVERYONE_IN_HOTELS: [&str; 7] = [
    "Everyone In hotel (Strand)",
    "Everyone In hotel (Paddington)",
    "Everyone In hotel (Victoria)",
    "Everyone In hotel (Marble Arch)",
    "Everyone In hotel (Bayswater)",
    "Everyone In hotel (Euston)",
    "Everyone In hotel (Earl's Court)",
];
pub static ASSESSMENT_HUBS: [&str; 3] =
    ["No Second Night Out hub", "Westminster Assessment Centre", "Marylebone Assessment Hub"];
pub static NIGHT_SHELTERS: [&str; 4] = [
    "Westminster Winter Night Shelter",
    "Soho church winter shelter",
    "St Martin's night centre",
    "Severe Weather Emergency Protocol shelter",
];
pub static HOSTELS: [&str; 8] = [
    "Dean Street Hostel",
    "Edgware Road Hostel",
    "Pimlico Hostel",
    "Harrow Road Hostel",
    "Lisson Grove Hostel",
    "Covent Garden Hostel",
    "Victoria Hostel",
    "Marylebone Women's Hostel",
];
pub static SUPPORTED_HOUSING: [&str; 6] = [
    "Bayswater Supported Housing",
    "Maida Vale Supported Housing",
    "Westbourne Park Supported Flats",
    "Queen's Park Supported Housing",
    "Churchill Gardens Supported Housing",
    "Westminster Housing First",
];
/// The supported-housing provider that Inform records as `housing_first`.
pub const HOUSING_FIRST: &str = "Westminster Housing First";
pub static PRIVATE_RENTED_AREAS: [&str; 7] = [
    "Private rented (Lewisham)",
    "Private rented (Croydon)",
    "Private rented (Barking)",
    "Private rented (Enfield)",
    "Private rented (Luton)",
    "Private rented (Westminster)",
    "Private rented (Ealing)",
];
pub static SOCIAL_LANDLORDS: [&str; 4] =
    ["Westminster City Council", "Peabody", "Clarion Housing", "Notting Hill Genesis"];
pub static RECONNECTION_TOWNS: [&str; 8] =
    ["Manchester", "Birmingham", "Glasgow", "Liverpool", "Leeds", "Cardiff", "Brighton", "Bristol"];
pub static HOSPITALS: [&str; 6] = [
    "St Mary's Hospital",
    "St Thomas' Hospital",
    "Chelsea and Westminster Hospital",
    "University College Hospital",
    "Gordon Hospital",
    "Charing Cross Hospital",
];
pub static MEN_PRISONS: [&str; 5] =
    ["HMP Pentonville", "HMP Wandsworth", "HMP Brixton", "HMP Wormwood Scrubs", "HMP Thameside"];
pub static WOMEN_PRISONS: [&str; 2] = ["HMP Bronzefield", "HMP Downview"];
pub static ASYLUM_ACCOMMODATION: [&str; 3] =
    ["Home Office contingency hotel", "Initial asylum accommodation (Croydon)", "Asylum dispersal accommodation"];
pub static CARE_PLACEMENTS: [&str; 2] = ["Leaving care placement (Westminster)", "Children's home (Kent)"];

/// Which of the demo partnership's organisations runs each team and service the generated
/// records name, as `(organisation, name)`: the outreach teams belong to the outreach service,
/// the hostels, supported housing and shelters to the hostel charity, the day centres to their
/// charities, and the council commissions the hotels and hubs.
pub fn services_by_organisation() -> Vec<(&'static str, &'static str)> {
    let mut names = Vec::new();
    names.extend(OUTREACH_TEAMS.iter().map(|t| ("Westminster Outreach Service", *t)));
    names.extend(HOSTELS.iter().chain(&SUPPORTED_HOUSING).chain(&NIGHT_SHELTERS).map(|h| ("West London Mission", *h)));
    names.push(("The Passage", DAY_CENTRES[0].name));
    names.push(("The Connection at St Martin's", DAY_CENTRES[1].name));
    names.extend(EVERYONE_IN_HOTELS.iter().chain(&ASSESSMENT_HUBS).map(|h| ("Westminster City Council", *h)));
    names
}
